"""The self-contained HTML report: inline CSS, inline SVG charts, a little vanilla JS.

It needs no network. Server-side lists are capped (see ``model.Limits``); the all-tests
table is embedded as compact JSON and paged/filtered in the browser (200 rows a page),
so 100,000 tests make a page of a few MB, never 100,000 DOM rows. Simulated figures get
their own sections, marked, and are never mixed into real ones.
"""

from __future__ import annotations

from html import escape as e
from typing import Any

from pytest_ipfs_accelerate.report import charts
from pytest_ipfs_accelerate.report.model import (
    OUTCOMES,
    RunReport,
    backend_summary,
    split_simulated,
)
from pytest_ipfs_accelerate.report.text import (
    SCORE_NOTE,
    SECONDS_JS,
    format_change,
    format_p,
    format_ratio,
    format_value,
    where,
)

PAGE_SIZE = 200

CSS = """:root{--bad:#cf222e;--ok:#1a7f37;--line:#d0d7de}
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1.5rem 2rem;max-width:1200px;
color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid var(--line);
padding:.25rem .55rem;text-align:left;font-size:.85rem;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.failed,.error{color:var(--bad);font-weight:600}.passed{color:var(--ok)}
.skipped,.xfailed,.xpassed{color:#9a6700}code{font-size:.82rem;word-break:break-all}
section.sim{background:#fff8c5;border-left:4px solid #d4a72c;padding:.2rem 1rem;margin:1rem 0}
.badge{display:inline-block;font-size:.72rem;padding:0 .4rem;border-radius:1rem;
background:#d4a72c;color:#fff;vertical-align:middle}
.cards{display:flex;gap:.6rem;flex-wrap:wrap}.card{border:1px solid var(--line);
border-radius:6px;padding:.4rem .8rem;min-width:6rem}.card b{display:block;font-size:1.3rem}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:.6rem}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.3rem}
figcaption{font-size:.8rem;word-break:break-all}.regression td{background:#ffebe9}
.controls{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
.controls input[type=search]{min-width:22rem;padding:.25rem}
#ipa-table th[data-sort]{cursor:pointer}.note{color:#57606a}td.none{color:#57606a;font-style:italic}
details{margin:.2rem 0}summary{cursor:pointer;color:#0969da;font-size:.8rem}
pre.failure-text{max-height:32rem;overflow:auto;background:#f6f8fa;padding:.5rem;
font-size:.78rem;white-space:pre-wrap;word-break:break-all;margin:.2rem 0}
.improved td{background:#dafbe1}"""

TABLE_JS = """(function(){
"use strict";
var data=JSON.parse(document.getElementById("ipa-tests").textContent);
var C={};data.columns.forEach(function(c,i){C[c]=i;});
var PAGE=%(page)d,rows=data.rows,view=rows,page=0,sortKey=null,sortDir=1,lower=null;
var q=document.getElementById("ipa-q"),sel=document.getElementById("ipa-outcome"),
body=document.getElementById("ipa-tbody"),info=document.getElementById("ipa-info");
%(seconds_js)s
function cell(tr,text,cls){var td=document.createElement("td");td.textContent=text;
if(cls)td.className=cls;tr.appendChild(td);}
function apply(){var needle=q.value.trim().toLowerCase(),o=sel.value;
if(needle&&!lower){lower=rows.map(function(r){return (r[C.nodeid]+" "+(r[C.message]||"")).toLowerCase();});}
view=[];for(var i=0;i<rows.length;i++){var r=rows[i];if(o&&r[C.outcome]!==o)continue;
if(needle&&lower[i].indexOf(needle)<0)continue;view.push(r);}
if(sortKey!==null){var k=C[sortKey];view.sort(function(a,b){return (a[k]>b[k]?1:a[k]<b[k]?-1:0)*sortDir;});}
page=0;draw();}
function draw(){var pages=Math.max(1,Math.ceil(view.length/PAGE));page=Math.min(Math.max(page,0),pages-1);
var frag=document.createDocumentFragment();
view.slice(page*PAGE,(page+1)*PAGE).forEach(function(r){var tr=document.createElement("tr");
tr.className="test-row";cell(tr,r[C.nodeid]);cell(tr,r[C.outcome],r[C.outcome]);
cell(tr,fmtSeconds(r[C.duration_s]),"num");cell(tr,(r[C.device]||"-")+(r[C.is_simulated]?" (simulated)":""));
cell(tr,r[C.message]||"");frag.appendChild(tr);});
body.textContent="";body.appendChild(frag);
info.textContent=view.length+" of "+data.total+" tests \\u00b7 page "+(page+1)+" of "+pages+
(data.truncated?" \\u00b7 the table holds "+rows.length+" rows (failures first)":"");}
var timer=null;q.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(apply,150);});
sel.addEventListener("change",apply);
document.getElementById("ipa-prev").addEventListener("click",function(){page--;draw();});
document.getElementById("ipa-next").addEventListener("click",function(){page++;draw();});
Array.prototype.forEach.call(document.querySelectorAll("#ipa-table th[data-sort]"),function(th){
th.addEventListener("click",function(){var k=th.getAttribute("data-sort");
sortDir=(sortKey===k)?-sortDir:(k==="duration_s"?-1:1);sortKey=k;apply();});});
var h=new URLSearchParams(location.hash.slice(1));
if(h.get("q"))q.value=h.get("q");if(h.get("outcome"))sel.value=h.get("outcome");
apply();if(h.get("page")){page=parseInt(h.get("page"),10)-1;draw();}
})();"""


def _table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    """A table; cells are HTML already (escape values before passing them). No rows: one
    row reading "none"."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not rows:
        body = f"<tr><td class='none' colspan='{len(headers)}'>none</td></tr>"
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _outcome(o: str | None) -> str:
    return f'<span class="{e(o or "")}">{e(o or "-")}</span>'


def _code(text: Any) -> str:
    return f"<code>{e(str(text))}</code>"


def _num(text: str) -> str:
    return f'<span class="num">{e(text)}</span>'


def _group(simulated: bool, title: str, inner: str) -> str:
    if not simulated:
        return f"<section class='real'><h3>{e(title)}: real hardware</h3>{inner}</section>"
    return (f"<section class='sim'><h3>{e(title)}: simulated "
            f"<span class='badge'>simulated</span></h3><p class='note'>Figures from simulated "
            f"backends or devices: not real-world measurements, never mixed with the real "
            f"ones above.</p>{inner}</section>")


def _capped(shown: int, total: int, what: str) -> str:
    if total > shown:
        return f"<p class='note'>Showing {shown} of {total} {e(what)}.</p>"
    return ""


def _facts(report: RunReport) -> str:
    run = report.run
    facts = [("started", run.get("started_at")), ("finished", run.get("finished_at")),
             ("exit status", run.get("exit_status")), ("host", run.get("host")),
             ("git commit", run.get("git_commit")), ("git branch", run.get("git_branch")),
             ("hardware", run.get("hardware_fingerprint")),
             ("python", run.get("python_version")), ("tox env", run.get("tox_env")),
             ("backends", backend_summary(run, report.operations, report.hardware) or None),
             *report.tags.items()]
    return _table(["fact", "value"], [[e(k), e(str(v))] for k, v in facts if v is not None])


def _summary(report: RunReport) -> str:
    cards = "".join(f"<div class='card'><b class='{o}'>{report.counts.get(o, 0)}</b>{o}</div>"
                    for o in OUTCOMES)
    return (f"<h2>Outcomes</h2><div class='cards' id='ipa-counts'><div class='card'>"
            f"<b>{report.total}</b>total</div>{cards}</div>"
            f"<p>{charts.outcome_bar(report.counts)}</p>")


def failure_details(f: dict[str, Any]) -> str:
    """A failure's whole text and captured output, each collapsed in a ``<details>``."""
    parts = []
    for key, label in (("longrepr", "traceback"), ("stdout", "captured stdout"),
                       ("stderr", "captured stderr"), ("log", "captured log")):
        text = f.get(key)
        if text:
            lines = text.count("\n") + 1
            parts.append(f"<details class='{key}'><summary>{label} ({lines} line"
                         f"{'s' if lines != 1 else ''})</summary>"
                         f"<pre class='failure-text'>{e(text)}</pre></details>")
    return "".join(parts)


def _failures(report: RunReport) -> str:
    if not report.failures:
        return ""
    root = report.run.get("rootdir")
    return ("<h2>Failures and errors</h2>" + _capped(len(report.failures),
                                                    report.failures_total, "failures")
            + _table(["test", "outcome", "where", "message"], [
                [_code(f["nodeid"]), _outcome(f["outcome"]), e(where(f, root)),
                 e((f["crash_message"] or "")[:300]) + failure_details(f)]
                for f in report.failures], "failures"))


def _slowest(report: RunReport) -> str:
    if not report.slowest:
        return ""
    return "<h2>Slowest tests</h2>" + _table(["duration", "outcome", "test"], [
        [_num(format_value(r["duration_s"], "s")), _outcome(r["outcome"]), _code(r["nodeid"])]
        for r in report.slowest])


def _changes(report: RunReport) -> str:
    out = ["<h2>Change against the previous run</h2>"]
    if report.previous_run_id is None:
        out.append("<p>No previous run in this DB.</p>")
        return "".join(out)
    out.append(f"<p>Previous run {_code(report.previous_run_id)}: "
               f"{report.newly_failing_total} newly failing, "
               f"{report.newly_passing_total} newly passing.</p>")
    changed = report.newly_failing + report.newly_passing
    if changed:
        out.append(_table(["test", "before", "now"], [
            [_code(r["nodeid"]), _outcome(r["previous_outcome"] or "new"),
             _outcome(r["outcome"])] for r in changed]))
    return "".join(out)


def _benchmarks(report: RunReport) -> str:
    if not report.benchmarks_total:
        return ""
    out = ["<h2 id='benchmarks'>Benchmarks</h2>",
           _capped(len(report.benchmarks), report.benchmarks_total, "benchmarks")]
    for simulated, group in split_simulated(report.benchmarks):
        table = _table(
            ["benchmark", "group", "status", "min", "median", "mean", "stddev", "iqr", "max",
             "ops/s", "rounds", "device"],
            [[_code(b["name"]) + (f"<br>{_code(b['param_id'])}" if b.get("param_id") else ""),
              e(b.get("group_name") or "-"),
              e(b["status"] or "-") + (f"<br>{e(b['error'][:200])}" if b.get("error") else ""),
              *[_num(format_value(b.get(k), "s")) for k in ("min_s", "median_s", "mean_s",
                                                             "stddev_s", "iqr_s", "max_s")],
              _num(format_value(b.get("ops"), "ops/s")), _num(str(b.get("rounds") or "-")),
              e(b.get("device") or "-")] for b in group])
        figs = "".join(f"<figure><figcaption>{_code(b['name'])} "
                       f"{e(b.get('device') or '')}</figcaption>{svg}</figure>"
                       for b in group if (svg := charts.box_strip(b)))
        out.append(_group(simulated, "Benchmarks", table + (f"<div class='figs'>{figs}</div>"
                                                           if figs else "")))
    return "".join(out)


def _metrics(report: RunReport) -> str:
    if not report.metrics:
        return ""
    out = ["<h2>Metrics</h2>", _capped(len(report.metrics), report.metrics_total, "metrics")]
    for simulated, group in split_simulated(report.metrics):
        out.append(_group(simulated, "Metrics", _table(
            ["metric", "value", "better", "test", "device"],
            [[_code(m["name"]), _num(format_value(m["value"], m.get("unit"))),
              e(m.get("direction") or "-"), _code(m.get("nodeid") or "-"),
              e(m.get("device") or "-")] for m in group])))
    return "".join(out)


def _regressions(report: RunReport) -> str:
    if not report.regressions:
        return ""
    def verdict(r: dict[str, Any]) -> str:
        return ("regression" if r["is_regression"] else
                "improved" if r.get("is_improvement") else "")

    body = "".join(
        f"<tr class='{verdict(r)}'><td>{_code(r['name'])}</td>"
        f"<td>{e(r['metric'] or '-')}</td>"
        f"<td class='num'>{e(format_value(r['baseline_value'], r.get('unit')))}</td>"
        f"<td class='num'>{e(format_value(r['candidate_value'], r.get('unit')))}</td>"
        f"<td class='num'>{e(format_ratio(r['ratio']))}</td>"
        f"<td>{e(format_p(r['p_value']))}</td>"
        f"<td>{e(r['method'] or '-')}</td><td>{verdict(r) or 'same'}</td></tr>"
        for r in report.regressions)
    head = "".join(f"<th>{h}</th>" for h in ("benchmark", "metric", "baseline", "candidate",
                                             "ratio", "p", "method", "verdict"))
    n = sum(1 for r in report.regressions if r["is_regression"])
    better = sum(1 for r in report.regressions if r.get("is_improvement"))
    def change(r: dict[str, Any]) -> str:
        return e(format_change(r["baseline_value"], r["candidate_value"], r.get("unit"),
                               r["ratio"]))

    named = "".join(f"<li class='{verdict(r)}'>{_code(r['name'])} {e(r['metric'])}: "
                    f"{change(r)}</li>" for r in report.regressions if verdict(r))
    return (f"<h2 id='regressions'>Regressions and improvements</h2><p>{n} regression(s) "
            f"and {better} "
            f"improvement(s) against baseline "
            f"{_code(report.regressions[0]['baseline_run_id'])}.</p>"
            + (f"<ul>{named}</ul>" if named else "") +
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _trends(report: RunReport) -> str:
    if not report.trends:
        return ""
    out = ["<h2 id='trends'>Trends</h2>"]
    for simulated, group in split_simulated(report.trends):
        figs = "".join(
            f"<figure><figcaption>{_code(s['name'])} on {e(str(s['hardware_fingerprint']))}"
            f" ({len(s['points'])} runs, {len(s.get('change_points') or [])} change points)"
            f"</figcaption>{charts.trend_line(s, unit=s.get('unit'))}</figure>"
            for s in group)
        out.append(_group(simulated, "Trends", f"<div class='figs'>{figs}</div>"))
    return "".join(out)


def _matrix(report: RunReport) -> str:
    m = report.matrix
    if not m or not m["cells"]:
        return ""
    out = ["<h2 id='matrix'>Compatibility matrix</h2><p class='note'>All runs in this DB. "
           f"{e(SCORE_NOTE)}; cell colour = score (grey: only skips or xfails), hover for counts. "
           f"{len(m['rows'])} of {m['rows_total']} tests (most failures first), "
           f"{len(m['columns'])} of {m['columns_total']} columns.</p>"]
    for simulated in (False, True):
        cols = [i for i, c in enumerate(m["columns"]) if bool(c["is_simulated"]) == simulated]
        if not cols:
            continue
        remap = {old: new for new, old in enumerate(cols)}
        cells = [[r, remap[c], *rest] for r, c, *rest in m["cells"] if c in remap]
        used = sorted({c[0] for c in cells})
        rmap = {old: new for new, old in enumerate(used)}
        svg = charts.heatmap([m["rows"][i] for i in used],
                             [m["columns"][i]["label"] for i in cols],
                             [[rmap[r], c, *rest] for r, c, *rest in cells])
        out.append(_group(simulated, "Compatibility", svg))
    return "".join(out)


def _operations(report: RunReport) -> str:
    out = []
    for simulated, group in split_simulated(report.operations):
        out.append(_group(simulated, "Operations", _table(
            ["kind", "op", "backend", "count", "errors", "bytes", "total", "median"],
            [[e(o["kind"]), e(o["op"]), e(o["backend"]), o["count"], o["errors"],
              e(format_value(o["nbytes"], "B")), e(format_value(o["total_s"], "s")),
              e(format_value(o["median_s"], "s"))] for o in group])))
    return ("<h2>Operations</h2>" + "".join(out)) if out else ""


def _hardware(report: RunReport) -> str:
    if not report.hardware:
        return ""
    return "<h2>Hardware</h2>" + _table(["device", "kind", "name", "memory", "simulated"], [
        [e(h["device"]), e(h["kind"]), e(h["name"] or "-"),
         e(format_value(h["memory_bytes"], "B")),
         "yes" if h["is_simulated"] else "no"] for h in report.hardware])


def _tests_table(report: RunReport) -> str:
    if not report.tests.total or report.tests.rows_json == "[]":
        return ""
    options = "".join(f"<option value='{o}'>{o}</option>" for o in OUTCOMES)
    heads = "".join(f"<th{f' data-sort={k!r}' if k else ''}>{h}</th>" for h, k in (
        ("test", "nodeid"), ("outcome", "outcome"), ("duration", "duration_s"),
        ("device", ""), ("message", "")))
    return (f"<h2 id='tests'>All tests</h2><div class='controls'>"
            f"<input type='search' id='ipa-q' placeholder='filter by test id or message'>"
            f"<select id='ipa-outcome'><option value=''>any outcome</option>{options}</select>"
            f"<button id='ipa-prev' type='button'>&larr; prev</button>"
            f"<button id='ipa-next' type='button'>next &rarr;</button>"
            f"<span id='ipa-info' class='note'></span></div>"
            f"<table id='ipa-table'><thead><tr>{heads}</tr></thead><tbody id='ipa-tbody'>"
            f"</tbody></table><noscript>The table needs JavaScript; the data is in the "
            f"ipa-tests script element.</noscript>"
            f"<script type='application/json' id='ipa-tests'>{report.tests.script_json()}"
            f"</script><script>{TABLE_JS % {'page': PAGE_SIZE, 'seconds_js': SECONDS_JS}}</script>")


def render_html(report: RunReport) -> str:
    """The whole page as one string."""
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
             f"<title>Test run {e(report.run_id)}</title><style>{CSS}</style></head><body>",
             f"<h1>Test run <code>{e(report.run_id)}</code></h1>", _facts(report),
             _summary(report), _failures(report), _slowest(report), _changes(report),
             _regressions(report), _benchmarks(report), _metrics(report), _trends(report),
             _matrix(report), _operations(report), _hardware(report)]
    parts += [f"<p class='note'>{e(n)}</p>" for n in report.notes]
    parts += [f"<h2>{e(t)}</h2><pre>{e(x)}</pre>" for t, x in report.sections]
    parts += [_tests_table(report), "</body></html>"]
    return "\n".join(p for p in parts if p)
