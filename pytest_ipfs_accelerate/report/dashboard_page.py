"""The dashboard's single page: inline CSS and vanilla JS that polls ``/api/live``.

Every value reaches the DOM through ``textContent`` (never ``innerHTML``), so test ids and
messages cannot inject markup. The charts arrive as SVG text made by ``report.charts``
(every label escaped there), parsed as SVG by ``DOMParser`` and placed as nodes.
``?interval=MS`` sets the poll period (default 1000).
"""

from __future__ import annotations

from pytest_ipfs_accelerate.report.text import OUTCOME_COLORS, SECONDS_JS

_COLORS = "".join(f".{o}{{color:{c}}}" for o, c in OUTCOME_COLORS.items())

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>ipfs-accel live dashboard</title><style>
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem 2rem;max-width:1200px;color:#1b1f24}
table{border-collapse:collapse;margin:.4rem 0 1.2rem;width:100%}th,td{border:1px solid #d0d7de;
padding:.2rem .5rem;text-align:left;font-size:.85rem;vertical-align:top}th{background:#f6f8fa}
td.none{color:#57606a;font-style:italic}
.cards{display:flex;gap:.5rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;
padding:.3rem .8rem;min-width:5rem}.card b{display:block;font-size:1.3rem}
#status{padding:.3rem .6rem;border-radius:6px;background:#ddf4ff;display:inline-block}
#status.stale{background:#fff8c5}#status.error{background:#ffebe9}#status.finished{background:#dafbe1}
progress{width:100%;height:1rem}code{word-break:break-all}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:.6rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.3rem}
figcaption{font-size:.8rem;word-break:break-all}.note{color:#57606a;font-size:.85rem}
details{margin:.2rem 0}summary{cursor:pointer;color:#0969da;font-size:.8rem}
pre{max-height:28rem;overflow:auto;background:#f6f8fa;padding:.5rem;font-size:.78rem;
white-space:pre-wrap;word-break:break-all;margin:.2rem 0}""" + _COLORS + """
</style></head><body>
<h1>ipfs-accel live dashboard</h1>
<p><span id="status">connecting...</span> <span id="age"></span></p>
<h2>Latest run <code id="run-id">-</code></h2><p id="run-facts"></p>
<div class="cards" id="counts"></div>
<p><progress id="progress" max="1" value="0"></progress> <span id="progress-text"></span></p>
<h2>Charts</h2><div class="charts">
<figure><figcaption>Outcomes over the last runs (oldest left)</figcaption><div id="chart-outcomes"
class="chart-slot"><p class="note">none yet</p></div></figure>
<figure><figcaption>Test durations of the latest run</figcaption><div id="chart-durations"
class="chart-slot"><p class="note">none yet</p></div></figure></div>
<h3>Benchmark and metric trends of the latest run</h3><div class="charts" id="chart-trends">
<p class="note">none</p></div>
<h2>Recent results</h2><table><thead><tr><th>test</th><th>outcome</th><th>duration</th></tr>
</thead><tbody id="recent"></tbody></table>
<h2>Failures</h2><table><thead><tr><th>test</th><th>outcome</th><th>message and failure text</th>
</tr></thead><tbody id="failures"></tbody></table>
<h2>Runs</h2><table><thead><tr><th>run</th><th>started</th><th>tests</th><th>passed</th>
<th>failed</th><th>errors</th><th>skipped</th><th>branch</th><th>report</th></tr></thead>
<tbody id="runs"></tbody></table>
<details><summary>poll log</summary><ol id="history"></ol></details>
<script>
(function(){
"use strict";
var OUTCOMES=["passed","failed","error","skipped","xfailed","xpassed"];
var INTERVAL=Number(new URLSearchParams(location.search).get("interval"))||1000;
var snapAt=null,lastKey=null,polls=0,failKey=null;
function $(id){return document.getElementById(id);}
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined)e.textContent=text;
if(cls)e.className=cls;return e;}
""" + SECONDS_JS + """
function none(body,cols){var tr=el("tr"),td=el("td","none","none");td.colSpan=cols;tr.appendChild(td);
body.appendChild(tr);}
function fill(id,rows,cols,cells){var body=$(id);body.textContent="";if(!rows.length){none(body,cols);return;}
rows.forEach(function(r){var tr=el("tr");cells(r).forEach(function(c){
var td=c instanceof Node?c:el("td",c[0],c[1]);tr.appendChild(td);});body.appendChild(tr);});}
function details(label,text,cls){var d=el("details",undefined,cls),n=text.split("\\n").length;
d.appendChild(el("summary",label+" ("+n+" line"+(n===1?"":"s")+")"));d.appendChild(el("pre",text));return d;}
function failureCell(r){var td=el("td");td.appendChild(el("div",r.crash_message||""));
[["longrepr","traceback"],["stdout","captured stdout"],["stderr","captured stderr"],["log","captured log"]]
.forEach(function(k){if(r[k[0]])td.appendChild(details(k[1],r[k[0]],k[0]));});return td;}
function status(text,cls){var s=$("status");s.textContent=text;s.className=cls||"";}
function progress(d){var p=$("progress"),want=d.run.tests_collected,t=$("progress-text");
if(want){p.max=Math.max(want,d.total,1);p.value=d.total;t.textContent=d.total+" of "+want+" tests";}
else if(d.finished){p.max=Math.max(d.total,1);p.value=d.total;t.textContent=d.total+" results";}
else{p.removeAttribute("value");t.textContent=d.total+" results so far (the collected count is not known yet)";}
p.setAttribute("data-state",want?"counted":d.finished?"finished":"unknown");}
function render(j){var d=j.data;polls++;document.body.setAttribute("data-polls",polls);
snapAt=Date.now()-j.age_s*1000;
if(!d){status("no runs in this DB yet","");return;}
var key=d.run.run_id+":"+d.total+":"+d.finished;
progress(d);
if(key!==lastKey){lastKey=key;var li=el("li",d.total+(d.finished?" finished":"")+": "+$("progress-text").textContent);
li.setAttribute("data-total",d.total);li.setAttribute("data-progress",$("progress").getAttribute("data-state")+":"+
($("progress").hasAttribute("value")?$("progress").value+"/"+$("progress").max:"-"));$("history").appendChild(li);}
if(j.stale)status((j.busy?"DB busy (a run is writing)":"DB unreadable: "+j.error)+": showing the last snapshot","stale");
else if(d.finished)status("run finished (exit status "+d.run.exit_status+")","finished");
else status("live: run in progress","live");
$("run-id").textContent=d.run.run_id;
$("run-facts").textContent="started "+d.run.started_at+(d.run.host?" on "+d.run.host:"")+
(d.run.git_branch?" \\u00b7 "+d.run.git_branch:"")+(d.run.tox_env?" \\u00b7 "+d.run.tox_env:"")+
(d.run.xdist_workers?" \\u00b7 "+d.run.xdist_workers+" xdist workers":"")+
(d.backends?" \\u00b7 backends: "+d.backends:"");
var cards=$("counts");cards.textContent="";var tot=el("div",undefined,"card");
var b=el("b",String(d.total));b.id="count-total";tot.appendChild(b);tot.appendChild(el("span","total"));
cards.appendChild(tot);OUTCOMES.forEach(function(o){var c=el("div",undefined,"card");
var n=el("b",String(d.counts[o]||0),o);n.id="count-"+o;c.appendChild(n);c.appendChild(el("span",o));
cards.appendChild(c);});
fill("recent",d.recent,3,function(r){return [[r.nodeid],[r.outcome,r.outcome],[fmtSeconds(r.duration_s)]];});
var fk=JSON.stringify(d.failures.map(function(r){return r.nodeid;}));
if(fk!==failKey){failKey=fk;fill("failures",d.failures,3,function(r){
return [[r.nodeid],[r.outcome,r.outcome],failureCell(r)];});}}
function tick(){if(snapAt!==null)$("age").textContent="snapshot "+((Date.now()-snapAt)/1000).toFixed(1)+" s old";}
function poll(){fetch("/api/live",{cache:"no-store"}).then(function(r){return r.json().then(function(j){
if(!r.ok)status("cannot read the DB yet: "+j.error,"error");else render(j);});})
.catch(function(e){status("dashboard server unreachable: "+e,"error");})
.then(function(){setTimeout(poll,INTERVAL);});}
function runs(){fetch("/api/runs",{cache:"no-store"}).then(function(r){return r.json();}).then(function(j){
if(!j.data)return;var body=$("runs");body.textContent="";if(!j.data.length)none(body,9);
j.data.forEach(function(r){var tr=el("tr");
[[r.run_id.slice(0,8)],[r.started_at],[r.tests],[r.passed,"passed"],[r.failed,"failed"],[r.errors,"error"],
[r.skipped,"skipped"],[r.git_branch||"-"]].forEach(function(c){tr.appendChild(el("td",String(c[0]),c[1]));});
var td=el("td"),a=el("a","HTML report");a.href="/report/"+encodeURIComponent(r.run_id);td.appendChild(a);
tr.appendChild(td);body.appendChild(tr);});}).catch(function(){}).then(function(){setTimeout(runs,Math.max(INTERVAL*5,2000));});}
function svg(slot,text){slot.textContent="";if(!text){slot.appendChild(el("p","none","note"));return;}
var doc=new DOMParser().parseFromString(text,"image/svg+xml"),root=doc.documentElement;
if(root.nodeName!=="svg"){slot.appendChild(el("p","chart unreadable","note"));return;}
slot.appendChild(document.importNode(root,true));}
function charts(){fetch("/api/charts",{cache:"no-store"}).then(function(r){return r.json();}).then(function(j){
if(!j.data)return;svg($("chart-outcomes"),j.data.outcomes);svg($("chart-durations"),j.data.durations);
var box=$("chart-trends");box.textContent="";if(!j.data.trends.length)box.appendChild(el("p","none","note"));
j.data.trends.forEach(function(t){var f=el("figure");f.appendChild(el("figcaption",t.title));
var slot=el("div");svg(slot,t.svg);f.appendChild(slot);box.appendChild(f);});
document.body.setAttribute("data-charts",(Number(document.body.getAttribute("data-charts"))||0)+1);})
.catch(function(){}).then(function(){setTimeout(charts,Math.max(INTERVAL*3,1500));});}
setInterval(tick,500);poll();runs();charts();
})();
</script></body></html>"""
