/* Order page: poll status.json and show the matching panel, position, ETA, progress and download, without reloading. */
(function () {
  "use strict";
  var root = document.getElementById("order-status");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var interval = parseInt(root.getAttribute("data-poll-ms"), 10) || 3000;
  var announcer = document.getElementById("status-announcer");
  var SETTLED = ["done", "failed", "refunded", "cancelled"];
  var shown = state(
    root.getAttribute("data-status"), fieldText("position"), !root.querySelector('[data-field="delayed"]').hidden
  );
  var failures = 0;

  function state(status, position, delayed) {
    return status + ":" + (position == null ? "" : position) + (delayed ? ":delayed" : "");
  }

  function fieldText(name) {
    var el = root.querySelector('[data-field="' + name + '"]');
    return el ? el.textContent.trim() : "";
  }

  function fieldTextOf(selector) {
    var el = root.querySelector(selector);
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function setText(name, value) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value == null ? "" : String(value);
    });
  }

  function announce(status) {
    var panel = root.querySelector('[data-panel="' + status + '"]');
    if (!panel || !announcer) {
      return;
    }
    var parts = [];
    panel.querySelectorAll("[data-announce]").forEach(function (el) {
      parts.push(el.textContent.replace(/\s+/g, " ").trim());
    });
    announcer.textContent = parts.join(" ");
  }

  function apply(data) {
    root.setAttribute("data-status", data.status);
    root.querySelectorAll("[data-panel]").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-panel") !== data.status;
    });
    setText("position", data.position);
    setText("eta", data.eta_minutes);
    // While generation is paused there is no ETA to promise: say the book is delayed and its place kept.
    root.querySelectorAll('[data-field="eta-line"]').forEach(function (line) {
      line.hidden = data.eta_minutes == null;
    });
    root.querySelectorAll('[data-field="delayed"]').forEach(function (notice) {
      notice.hidden = !data.delayed;
    });
    setText("pages-done", data.pages_done || 0);
    setText("pages-total", data.pages_total);
    root.querySelectorAll('progress[data-field="progress"]').forEach(function (bar) {
      bar.max = data.pages_total || 1;
      bar.value = data.pages_done || 0;
      bar.textContent = (data.pages_done || 0) + "/" + data.pages_total;
    });
    root.querySelectorAll('a[data-field="download"]').forEach(function (link) {
      if (data.download_url) {
        link.href = data.download_url;
      }
      link.hidden = !data.download_url;
    });
    showTitle(data.title);
    showPreviews(data.preview_urls || [], data.status);
    root.querySelectorAll('img[data-field="cover"]').forEach(function (img) {
      if (data.cover_url && img.getAttribute("src") !== data.cover_url) {
        img.src = data.cover_url;
      }
      img.hidden = !data.cover_url;
    });
    // Speak only when the status or the place in line changes, not at every page.
    var now = state(data.status, data.position, data.delayed);
    if (now !== shown) {
      shown = now;
      announce(data.status);
      if (data.delayed && announcer) {
        announcer.textContent = fieldTextOf('[data-field="delayed"]') + " " + announcer.textContent;
      }
    }
  }

  function showTitle(title) {
    var box = document.querySelector("[data-field-title]");
    if (!box) {
      return;
    }
    box.querySelectorAll('[data-field="title"]').forEach(function (el) {
      el.textContent = title || "";
    });
    box.hidden = !title;
  }

  // Add the pictures of the pages drawn since the last poll; the ones shown stay (no flicker, no reload).
  function showPreviews(urls, status) {
    var box = root.querySelector("[data-previews]");
    if (!box) {
      return;
    }
    var list = box.querySelector("ol");
    var shownUrls = [];
    list.querySelectorAll("img").forEach(function (img) {
      shownUrls.push(img.getAttribute("src"));
    });
    urls.forEach(function (pageUrl, index) {
      if (shownUrls.indexOf(pageUrl) !== -1) {
        return;
      }
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = pageUrl;
      img.width = 160;
      img.height = 160;
      img.alt = list.getAttribute("data-alt") + " " + (pageUrl.match(/(\d+)\.jpg$/) || ["", index + 1])[1];
      item.appendChild(img);
      list.appendChild(item);
    });
    box.hidden = urls.length === 0 || status === "done";
  }

  function schedule(delay) {
    window.setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) {
      document.addEventListener("visibilitychange", poll, { once: true });
      return;
    }
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        apply(data);
        if (SETTLED.indexOf(data.status) === -1) {
          schedule(interval);
        }
      })
      .catch(function () {
        // A hiccup (deploy, flaky network): back off, but keep trying.
        failures += 1;
        schedule(Math.min(interval * Math.pow(2, failures), 60000));
      });
  }

  schedule(interval);
})();
