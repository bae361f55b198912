"""The dashboard's single page: inline CSS and vanilla JS that polls ``/api/live``.

Every value reaches the DOM through ``textContent`` (never ``innerHTML``), so test ids and
messages cannot inject markup. ``?interval=MS`` sets the poll period (default 1000).
"""

from __future__ import annotations

from pytest_ipfs_accelerate.report.text import OUTCOME_COLORS

_COLORS = "".join(f".{o}{{color:{c}}}" for o, c in OUTCOME_COLORS.items())

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>ipfs-accel live dashboard</title><style>
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem 2rem;max-width:1100px;color:#1b1f24}
table{border-collapse:collapse;margin:.4rem 0 1.2rem;width:100%}th,td{border:1px solid #d0d7de;
padding:.2rem .5rem;text-align:left;font-size:.85rem}th{background:#f6f8fa}
.cards{display:flex;gap:.5rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;
padding:.3rem .8rem;min-width:5rem}.card b{display:block;font-size:1.3rem}
#status{padding:.3rem .6rem;border-radius:6px;background:#ddf4ff;display:inline-block}
#status.stale{background:#fff8c5}#status.error{background:#ffebe9}#status.finished{background:#dafbe1}
progress{width:100%;height:1rem}code{word-break:break-all}""" + _COLORS + """
</style></head><body>
<h1>ipfs-accel live dashboard</h1>
<p><span id="status">connecting...</span> <span id="age"></span></p>
<h2>Latest run <code id="run-id">-</code></h2><p id="run-facts"></p>
<div class="cards" id="counts"></div>
<p><progress id="progress" max="1" value="0"></progress> <span id="progress-text"></span></p>
<h2>Recent results</h2><table><thead><tr><th>test</th><th>outcome</th><th>duration</th></tr>
</thead><tbody id="recent"></tbody></table>
<h2>Failures</h2><table><thead><tr><th>test</th><th>outcome</th><th>message</th></tr></thead>
<tbody id="failures"></tbody></table>
<h2>Runs</h2><table><thead><tr><th>run</th><th>started</th><th>tests</th><th>passed</th>
<th>failed</th><th>errors</th><th>skipped</th><th>branch</th><th>report</th></tr></thead>
<tbody id="runs"></tbody></table>
<details><summary>poll log</summary><ol id="history"></ol></details>
<script>
(function(){
"use strict";
var OUTCOMES=["passed","failed","error","skipped","xfailed","xpassed"];
var INTERVAL=Number(new URLSearchParams(location.search).get("interval"))||1000;
var snapAt=null,lastKey=null,polls=0;
function $(id){return document.getElementById(id);}
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined)e.textContent=text;
if(cls)e.className=cls;return e;}
function secs(v){if(v===null||v===undefined)return "-";if(v<1e-3)return Math.round(v*1e6)+"\\u00b5s";
if(v<1)return (v*1e3).toFixed(1)+"ms";return v.toFixed(2)+"s";}
function fill(id,rows,cells){var body=$(id);body.textContent="";rows.forEach(function(r){
var tr=el("tr");cells(r).forEach(function(c){var td=el("td",c[0],c[1]);tr.appendChild(td);});
body.appendChild(tr);});}
function status(text,cls){var s=$("status");s.textContent=text;s.className=cls||"";}
function render(j){var d=j.data;polls++;document.body.setAttribute("data-polls",polls);
snapAt=Date.now()-j.age_s*1000;
if(!d){status("no runs in this DB yet","");return;}
var key=d.run.run_id+":"+d.total+":"+d.finished;
if(key!==lastKey){lastKey=key;var li=el("li",d.total+(d.finished?" finished":""));
li.setAttribute("data-total",d.total);$("history").appendChild(li);}
if(j.stale)status("DB busy (a run is writing): showing the last snapshot","stale");
else if(d.finished)status("run finished (exit status "+d.run.exit_status+")","finished");
else status("live: run in progress","live");
$("run-id").textContent=d.run.run_id;
$("run-facts").textContent="started "+d.run.started_at+(d.run.host?" on "+d.run.host:"")+
(d.run.git_branch?" \\u00b7 "+d.run.git_branch:"")+(d.run.tox_env?" \\u00b7 "+d.run.tox_env:"");
var cards=$("counts");cards.textContent="";var tot=el("div",undefined,"card");
var b=el("b",String(d.total));b.id="count-total";tot.appendChild(b);tot.appendChild(el("span","total"));
cards.appendChild(tot);OUTCOMES.forEach(function(o){var c=el("div",undefined,"card");
var n=el("b",String(d.counts[o]||0),o);n.id="count-"+o;c.appendChild(n);c.appendChild(el("span",o));
cards.appendChild(c);});
var want=d.run.tests_collected||0;$("progress").max=Math.max(want,d.total,1);
$("progress").value=d.total;$("progress-text").textContent=d.total+(want?" of "+want:"")+" results";
fill("recent",d.recent,function(r){return [[r.nodeid],[r.outcome,r.outcome],[secs(r.duration_s)]];});
fill("failures",d.failures,function(r){return [[r.nodeid],[r.outcome,r.outcome],[r.crash_message||""]];});}
function tick(){if(snapAt!==null)$("age").textContent="snapshot "+((Date.now()-snapAt)/1000).toFixed(1)+" s old";}
function poll(){fetch("/api/live",{cache:"no-store"}).then(function(r){return r.json().then(function(j){
if(!r.ok)status("cannot read the DB yet: "+j.error,"error");else render(j);});})
.catch(function(e){status("dashboard server unreachable: "+e,"error");})
.then(function(){setTimeout(poll,INTERVAL);});}
function runs(){fetch("/api/runs",{cache:"no-store"}).then(function(r){return r.json();}).then(function(j){
if(!j.data)return;var body=$("runs");body.textContent="";j.data.forEach(function(r){var tr=el("tr");
[[r.run_id.slice(0,8)],[r.started_at],[r.tests],[r.passed,"passed"],[r.failed,"failed"],[r.errors,"error"],
[r.skipped,"skipped"],[r.git_branch||"-"]].forEach(function(c){tr.appendChild(el("td",String(c[0]),c[1]));});
var td=el("td"),a=el("a","HTML report");a.href="/report/"+encodeURIComponent(r.run_id);td.appendChild(a);
tr.appendChild(td);body.appendChild(tr);});}).catch(function(){}).then(function(){setTimeout(runs,Math.max(INTERVAL*5,2000));});}
setInterval(tick,500);poll();runs();
})();
</script></body></html>"""
