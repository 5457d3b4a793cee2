// The query page: runs the editor's query against /sparql and shows the rows.
// Plain DOM, no library, nothing fetched but our own endpoint.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var status = document.getElementById("status");
  var table = document.getElementById("results");
  var idBase = table.getAttribute("data-id-base") || "";
  var TYPES = {
    json: "application/sparql-results+json",
    xml: "application/sparql-results+xml",
    csv: "text/csv",
    tsv: "text/tab-separated-values"
  };
  var SUFFIX = { json: "srj", xml: "srx", csv: "csv", tsv: "tsv" };

  function endpoint() {
    return form.getAttribute("action") + "?query=" + encodeURIComponent(editor.value);
  }

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.textContent = term.value;
      a.href = idBase && term.value.indexOf(idBase) === 0
        ? "/id/" + term.value.slice(idBase.length) : term.value;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) { td.title = "@" + term["xml:lang"]; }
      else if (term.datatype) { td.title = term.datatype; }
    }
    return td;
  }

  function show(data) {
    var head = table.tHead, body = table.tBodies[0];
    clear(head); clear(body);
    if (typeof data.boolean === "boolean") {
      var tr0 = document.createElement("tr"), th0 = document.createElement("th");
      th0.textContent = "answer";
      tr0.appendChild(th0); head.appendChild(tr0);
      var row0 = document.createElement("tr"), td0 = document.createElement("td");
      td0.textContent = String(data.boolean);
      row0.appendChild(td0); body.appendChild(row0);
      say("ASK answered " + data.boolean, false);
      return;
    }
    var vars = data.head.vars, rows = data.results.bindings;
    var tr = document.createElement("tr");
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      tr.appendChild(th);
    });
    head.appendChild(tr);
    rows.forEach(function (binding) {
      var row = document.createElement("tr");
      vars.forEach(function (v) { row.appendChild(cell(binding[v])); });
      body.appendChild(row);
    });
    say(rows.length + (rows.length === 1 ? " row" : " rows"), false);
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    say("Running…", false);
    fetch(endpoint(), { headers: { Accept: TYPES.json } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            throw new Error(response.status + " " + response.statusText + ": " + text);
          });
        }
        var truncated = response.headers.get("X-Mofkg-Truncated");
        return response.json().then(function (data) {
          show(data);
          if (truncated === "true") { say(status.textContent + " (truncated)", false); }
        });
      })
      .catch(function (error) { say(String(error.message || error), true); });
  }

  function download(event) {
    event.preventDefault();
    var name = event.currentTarget.getAttribute("data-format");
    fetch(endpoint(), { headers: { Accept: TYPES[name] } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) { throw new Error(text); });
        }
        return response.blob();
      })
      .then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "results." + SUFFIX[name];
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      })
      .catch(function (error) { say(String(error.message || error), true); });
  }

  form.addEventListener("submit", run);
  Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (b) {
    b.addEventListener("click", function () {
      editor.value = b.getAttribute("data-query");
      run();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.download"), function (a) {
    a.addEventListener("click", download);
  });
}());
