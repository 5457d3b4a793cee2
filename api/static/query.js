// The query page: runs the editor's query against /sparql and shows the answer.
// SELECT and ASK come back as SPARQL JSON results; CONSTRUCT and DESCRIBE as N-Triples,
// shown as a table of triples with a Turtle download (/sparql?query=...&format=turtle).
// Plain DOM, no library, nothing fetched but our own endpoint.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var status = document.getElementById("status");
  var table = document.getElementById("results");
  var resultDownloads = document.getElementById("result-downloads");
  var graphDownloads = document.getElementById("graph-downloads");
  var turtleLink = document.getElementById("download-turtle");
  var idBase = table.getAttribute("data-id-base") || "";
  var ontologyBase = table.getAttribute("data-ontology-base") || "";
  var TYPES = {
    json: "application/sparql-results+json",
    xml: "application/sparql-results+xml",
    csv: "text/csv",
    tsv: "text/tab-separated-values"
  };
  var SUFFIX = { json: "srj", xml: "srx", csv: "csv", tsv: "tsv" };
  var NTRIPLES = "application/n-triples";
  // Results for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE: the endpoint picks
  // by the query's form.
  var RUN_ACCEPT = TYPES.json + ", " + NTRIPLES + ";q=0.9";

  function endpoint() {
    return form.getAttribute("action") + "?query=" + encodeURIComponent(editor.value);
  }

  function updateTurtleLink() {
    turtleLink.href = endpoint() + "&format=turtle";
  }

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function clearResults() {
    clear(table.tHead); clear(table.tBodies[0]);
  }

  function showDownloads(kind) {
    resultDownloads.hidden = kind === "graph";
    graphDownloads.hidden = kind === "results";
  }

  function localHref(iri) {
    if (idBase && iri.indexOf(idBase) === 0 && iri.length > idBase.length) {
      return "/id/" + iri.slice(idBase.length);
    }
    if (ontologyBase && iri.indexOf(ontologyBase + "#") === 0) {
      return "/ontology" + iri.slice(ontologyBase.length);
    }
    return iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.textContent = term.value;
      a.href = localHref(term.value);
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

  function heading(names) {
    var tr = document.createElement("tr");
    names.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      tr.appendChild(th);
    });
    table.tHead.appendChild(tr);
  }

  function count(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function show(data) {
    var body = table.tBodies[0];
    clearResults();
    if (typeof data.boolean === "boolean") {
      heading(["answer"]);
      var row0 = document.createElement("tr"), td0 = document.createElement("td");
      td0.textContent = String(data.boolean);
      row0.appendChild(td0); body.appendChild(row0);
      say("ASK answered " + data.boolean, false);
      return;
    }
    var vars = data.head.vars, rows = data.results.bindings;
    heading(vars);
    rows.forEach(function (binding) {
      var row = document.createElement("tr");
      vars.forEach(function (v) { row.appendChild(cell(binding[v])); });
      body.appendChild(row);
    });
    say(count(rows.length, "row", "rows"), false);
  }

  // N-Triples, one triple a line, as the endpoint writes it.
  var IRI = "<([^>]*)>", BNODE = "_:(\\S+)";
  var LITERAL = "\"((?:[^\"\\\\]|\\\\.)*)\"(?:@([A-Za-z0-9-]+)|\\^\\^<([^>]*)>)?";
  var TERM = "(?:" + IRI + "|" + BNODE + "|" + LITERAL + ")";
  var LINE = new RegExp("^\\s*" + TERM + "\\s*" + TERM + "\\s*" + TERM + "\\s*\\.\\s*$");

  function unescape(text) {
    return text.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, function (_, e) {
      if (e.length > 1) { return String.fromCodePoint(parseInt(e.slice(1), 16)); }
      return { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f" }[e] || e;
    });
  }

  function term(m, i) {
    if (m[i] !== undefined) { return { type: "uri", value: unescape(m[i]) }; }
    if (m[i + 1] !== undefined) { return { type: "bnode", value: m[i + 1] }; }
    var t = { type: "literal", value: unescape(m[i + 2]) };
    if (m[i + 3]) { t["xml:lang"] = m[i + 3]; }
    if (m[i + 4]) { t.datatype = m[i + 4]; }
    return t;
  }

  function parseNTriples(text) {
    var triples = [];
    text.split("\n").forEach(function (line, n) {
      if (!line.trim() || line.trim().charAt(0) === "#") { return; }
      var m = LINE.exec(line);
      if (!m) { throw new Error("cannot read line " + (n + 1) + " of the answer: " + line); }
      triples.push([term(m, 1), term(m, 6), term(m, 11)]);
    });
    return triples;
  }

  function showGraph(text) {
    var triples = parseNTriples(text), body = table.tBodies[0];
    clearResults();
    heading(["subject", "predicate", "object"]);
    triples.forEach(function (t) {
      var row = document.createElement("tr");
      t.forEach(function (x) { row.appendChild(cell(x)); });
      body.appendChild(row);
    });
    say(count(triples.length, "triple", "triples"), false);
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    updateTurtleLink();
    say("Running…", false);
    fetch(endpoint(), { headers: { Accept: RUN_ACCEPT } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            throw new Error(response.status + " " + response.statusText + ": " + text);
          });
        }
        var truncated = response.headers.get("X-Mofkg-Truncated") === "true";
        var type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
        var shown = type === NTRIPLES
          ? response.text().then(function (text) { showGraph(text); showDownloads("graph"); })
          : response.json().then(function (data) { show(data); showDownloads("results"); });
        return shown.then(function () {
          if (truncated) { say(status.textContent + " (truncated)", false); }
        });
      })
      .catch(function (error) {
        clearResults();
        showDownloads("both");
        say(String(error.message || error), true);
      });
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
  editor.addEventListener("input", updateTurtleLink);
  updateTurtleLink();
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
