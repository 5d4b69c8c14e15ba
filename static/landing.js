/* Landing page: show the server's price for the page count being typed, and bring form errors into view. */
(function () {
  "use strict";
  var pages = document.getElementById("id_page_count");
  var output = document.querySelector("[data-price]");
  var table = document.getElementById("hera-prices");
  if (pages && output && table) {
    // The prices are the server's own, computed per page count; the browser only looks them up.
    var prices = JSON.parse(table.textContent);
    var update = function () {
      var count = Number(pages.value);
      var price = Number.isInteger(count) ? prices[String(count)] : undefined;
      output.textContent = price || "—";
    };
    pages.addEventListener("input", update);
    update();
  }
  var errors = document.getElementById("form-errors");
  if (errors) {
    errors.focus();
  }
})();
