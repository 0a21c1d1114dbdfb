/* The query UI: YASGUI on this server's SPARQL endpoint, with the example queries and the truncation note.
   Talks to no other server: vocabulary autocompletion (an external service) is off, prefixes are bundled. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("patrimoine-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var note = document.getElementById("truncated-note");
  var TRUNCATED = "X-Patrimoine-Truncated";

  function showNote(headers) {
    var limit = headers.get("X-Patrimoine-Max-Rows");
    note.textContent = "Results were truncated by the server" +
      (limit ? " to " + limit + " rows" : "") +
      ": the table does not show every answer. Add a LIMIT/OFFSET or an aggregate to your query, " +
      "or download the data from the datasets page.";
    note.classList.add("shown");
  }

  function hideNote() {
    note.textContent = "";
    note.classList.remove("shown");
  }

  // YASGUI queries with fetch(): watching its responses is how we see the server's truncation header.
  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var isQuery = url.split("?")[0] === endpoint;
    if (isQuery) hideNote();
    return originalFetch(input, init).then(function (response) {
      if (isQuery && (response.headers.get(TRUNCATED) || "").toLowerCase() === "true") showNote(response.headers);
      return response;
    });
  };

  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  Yasgui.defaults.yasqe.autocompleters = ["variables", "prefixes"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    yasqe: { value: config.defaultQuery, autocompleters: ["variables", "prefixes"] },
  });

  function openQuery(name, query, run) {
    var tab = yasgui.addTab(true, { name: name, yasqe: { value: query }, requestConfig: { endpoint: endpoint } });
    tab.setQuery(query);
    if (tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    if (run) tab.getYasqe().query();
    return tab;
  }

  var byId = {};
  config.examples.forEach(function (e) { byId[e.id] = e; });
  document.getElementById("examples").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-example]");
    if (!button) return;
    var example = byId[button.getAttribute("data-example")];
    if (example) openQuery(example.title, example.query, false);
  });

  // /?query=... (links from the linked-data pages): open the query in a new tab and run it.
  var params = new URLSearchParams(window.location.search);
  if (params.get("query")) openQuery("Query", params.get("query"), true);

  window.patrimoineYasgui = yasgui;  // for the browser tests and the curious
})();
