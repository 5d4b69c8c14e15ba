"""Check the generator's setup (key, models, API version) without generating anything; exit 1 on a problem."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.backends import check_configuration


class Command(BaseCommand):
    help = "Check the generator's key and models (Google: models.get, nothing generated, nothing billed)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Generator: {settings.HERA_GENERATOR}")
        if settings.HERA_GENERATOR == "google":
            self.stdout.write(f"Story model: {settings.HERA_TEXT_MODEL}; pictures model: {settings.HERA_IMAGE_MODEL}")
        findings = check_configuration()
        for ok, text in findings:
            self.stdout.write(("ok       " if ok else "PROBLEM  ") + text)
        problems = sum(1 for ok, _ in findings if not ok)
        if problems:
            raise CommandError(f"{problems} problem(s): generation would pause until they are fixed.")
        self.stdout.write(self.style.SUCCESS("The generator is ready."))
