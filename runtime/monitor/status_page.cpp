#include "troupe/runtime/monitor/status_page.hpp"

#include "troupe/runtime/monitor/table.hpp"

#include <fmt/format.h>

namespace troupe {

namespace {

// The page's style and script. The script renders exactly what the server
// renders, from the JSON snapshot, so both agree on names, values and
// colours.
constexpr const char* page_style = R"(
body { font-family: sans-serif; margin: 1.5em; color: #212121; }
h1 { font-size: 1.3em; }
table { border-collapse: collapse; min-width: 40em; }
th, td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
td.alert { font-weight: bold; }
tr.parent td.name { font-weight: bold; }
.alert-none { }
.alert-green { background: #2e7d32; color: #fff; }
.alert-orange { background: #ef6c00; color: #fff; }
.alert-red { background: #c62828; color: #fff; }
.alert-critical { background: #6a1b9a; color: #fff; }
.alert-stale { background: #616161; color: #fff; }
#status.unreachable { color: #c62828; }
)";

constexpr const char* page_script = R"(
(function () {
  var refreshes = 0;
  function label(level) { return level === 'none' ? '' : level.toUpperCase(); }
  function shortName(p) {
    var prefix = p.parent ? p.parent + '/' : null;
    if (prefix && p.name.length > prefix.length && p.name.indexOf(prefix) === 0)
      return p.name.substring(prefix.length);
    return p.name;
  }
  function valueText(p) {
    if (p.kind === 'parent') return '';
    if (p.error) return 'ERROR: ' + p.error;
    if (p.value === null || p.value === undefined) return '';
    return String(p.value);
  }
  function cell(tr, cls, text, indent) {
    var td = document.createElement('td');
    td.className = cls;
    td.textContent = text;
    if (indent) td.style.paddingLeft = (0.8 + 1.5 * indent) + 'em';
    tr.appendChild(td);
    return td;
  }
  function render(snap) {
    var body = document.getElementById('points');
    while (body.firstChild) body.removeChild(body.firstChild);
    snap.points.forEach(function (p) {
      var tr = document.createElement('tr');
      tr.className = p.kind;
      tr.setAttribute('data-point', p.name);
      var stale = p.kind === 'point' && p.stale;
      tr.setAttribute('data-alert', stale ? 'stale' : p.alert);
      cell(tr, 'name', shortName(p), p.depth);
      cell(tr, 'value', valueText(p));
      cell(tr, 'alert alert-' + (stale ? 'stale' : p.alert),
           stale ? 'STALE' : label(p.alert));
      cell(tr, 'age', p.age_s === null || p.age_s === undefined
                      ? '' : p.age_s.toFixed(2));
      body.appendChild(tr);
    });
    var status = document.getElementById('status');
    status.className = 'alert-' + snap.alert;
    status.textContent = 'Monitor' + (snap.alert !== 'none'
      ? ' (' + label(snap.alert) + ')' : '') + ' --- '
      + (snap.running ? 'running' : 'not running');
    refreshes += 1;
    document.body.setAttribute('data-refreshes', String(refreshes));
    document.getElementById('updated').textContent =
      'updated ' + new Date().toLocaleTimeString();
  }
  function unreachable(why) {
    var status = document.getElementById('status');
    status.className = 'unreachable';
    status.textContent = 'Monitor --- not reachable (' + why + ')';
  }
  function refresh() {
    fetch(SNAPSHOT_PATH, { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(render)
      .catch(function (e) { unreachable(e.message); });
  }
  setInterval(refresh, REFRESH_MS);
  refresh();
})();
)";

std::string css_class(const point_info& p) {
  if (!p.is_parent && p.stale)
    return "stale";
  return to_string(p.alert);
}

std::string rows(const monitor_snapshot& snap) {
  std::string out;
  for (auto& p : snap.points) {
    auto cls = css_class(p);
    out += fmt::format("<tr class=\"{}\" data-point=\"{}\" data-alert=\"{}\">"
                       "<td class=\"name\" style=\"padding-left: {}em\">{}</td>"
                       "<td class=\"value\">{}</td>"
                       "<td class=\"alert alert-{}\">{}</td>"
                       "<td class=\"age\">{}</td></tr>\n",
                       p.is_parent ? "parent" : "point", html_escape(p.name),
                       cls, 0.8 + 1.5 * p.depth, html_escape(short_name(p)),
                       html_escape(value_text(p)), cls,
                       html_escape(alert_text(p)), age_text(p, snap.now_ns));
  }
  return out;
}

std::string page(const std::string& status_class, const std::string& status,
                 const std::string& table_rows, int refresh_ms,
                 const std::string& snapshot_path) {
  std::string script = page_script;
  auto replace = [&](const std::string& key, const std::string& value) {
    for (auto pos = script.find(key); pos != std::string::npos;
         pos = script.find(key, pos + value.size()))
      script.replace(pos, key.size(), value);
  };
  // The path goes into a JS string literal inside a <script> element.
  std::string quoted = "'";
  for (auto c : snapshot_path) {
    if (c == '\'' || c == '\\')
      quoted += '\\';
    if (c == '<')
      quoted += "\\x3c";
    else
      quoted += c;
  }
  quoted += "'";
  replace("SNAPSHOT_PATH", quoted);
  replace("REFRESH_MS", std::to_string(refresh_ms));
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>troupe monitor</title>\n<style>{}</style>\n</head>\n"
      "<body data-refreshes=\"0\">\n"
      "<h1 id=\"status\" class=\"{}\">{}</h1>\n"
      "<p id=\"updated\">rendered by the server</p>\n"
      "<table>\n<thead><tr><th>Name</th><th>Value</th><th>Alert</th>"
      "<th>Age (s)</th></tr></thead>\n<tbody id=\"points\">\n{}</tbody>\n"
      "</table>\n<script>{}</script>\n</body>\n</html>\n",
      page_style, status_class, html_escape(status), table_rows, script);
}

} // namespace

std::string html_escape(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  for (auto c : text) {
    switch (c) {
      case '&': result += "&amp;"; break;
      case '<': result += "&lt;"; break;
      case '>': result += "&gt;"; break;
      case '"': result += "&quot;"; break;
      case '\'': result += "&#39;"; break;
      default: result += c;
    }
  }
  return result;
}

std::string render_status_page(const monitor_snapshot& snap, int refresh_ms,
                               const std::string& snapshot_path) {
  auto status = table_header(snap).substr(1);
  return page("alert-" + to_string(snap.alert), status, rows(snap), refresh_ms,
              snapshot_path);
}

std::string render_status_page_unreachable(const std::string& why,
                                           int refresh_ms,
                                           const std::string& snapshot_path) {
  return page("unreachable", "Monitor --- not reachable (" + why + ")", "",
              refresh_ms, snapshot_path);
}

} // namespace troupe
