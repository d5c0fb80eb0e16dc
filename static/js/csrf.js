// Pages served from the anonymous page cache carry no CSRF token (the same
// copy goes to every visitor; lms/core/page_cache.py). When a form is posted
// or htmx sends a request, the token is read from the `csrftoken` cookie
// instead, if there is one. Signed-in pages still carry their token in
// <body hx-headers> and in each form; those are left as they are. Without
// JavaScript, the one form on a cached page (a knowledge check) needs no
// token from an anonymous visitor (lms/progress/views.py).
(function () {
  function cookieToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = cookieToken();
    var headers = event.detail.headers;
    if (token && event.detail.verb !== "get" && !headers["X-CSRFToken"]) {
      headers["X-CSRFToken"] = token;
    }
  });

  // Capture phase: before htmx reads the form's values.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
        return;
      }
      var token = cookieToken();
      if (!token || form.querySelector('input[name="csrfmiddlewaretoken"]')) {
        return;
      }
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = token;
      form.appendChild(input);
    },
    true
  );
})();
