/// The page's inline style and script. Their SHA-256 hashes go into the page's Content-Security-Policy, so a
/// browser runs exactly these and nothing else.
enum DashboardAssets {
    static let style = """
        :root{--ink:#1b1f24;--muted:#5b6570;--line:#d0d6dc;--range:#c9d6e3;--measure:#1f4e79;--alert:#b3261e;\
        --s0:#1f4e79;--s1:#2e7d32;--s2:#8d6e00;--bg:#fff}
        *{box-sizing:border-box}
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);\
        margin:0 auto;max-width:1200px;padding:16px 24px}
        header h1{font-size:22px;margin:0 0 4px}
        header p,.summary{color:var(--muted);margin:2px 0}
        nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:12px}
        nav a{color:var(--measure)}
        section{border-top:1px solid var(--line);margin-top:24px;padding-top:8px}
        h2{font-size:18px;margin:8px 0 2px}
        h3{font-size:15px;margin:16px 0 4px}
        svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}
        svg text{font-size:12px;fill:var(--ink)}
        svg .label{text-anchor:end}
        svg .note{fill:var(--muted)}
        svg .range{fill:var(--range)}
        svg .measure{fill:var(--measure)}
        svg .marker{stroke:var(--ink);stroke-width:2}
        svg .alert .measure{fill:var(--alert)}
        svg .alert .range{fill:#f3c7c3}
        svg .stale .range{fill:url(#hatch)}
        svg .axis line{stroke:var(--line)}
        svg .tick{text-anchor:end;fill:var(--muted)}
        svg .month{text-anchor:middle;fill:var(--muted)}
        svg path{fill:none;stroke-width:2}
        svg path.plan{stroke-dasharray:5 4}
        svg .s0 path,svg line.s0{stroke:var(--s0)}svg .s0 circle{stroke:var(--s0);fill:var(--s0)}
        svg .s1 path,svg line.s1{stroke:var(--s1)}svg .s1 circle{stroke:var(--s1);fill:var(--s1)}
        svg .s2 path,svg line.s2{stroke:var(--s2)}svg .s2 circle{stroke:var(--s2);fill:var(--s2)}
        svg circle.plan{fill:var(--bg);stroke-width:1.5}
        svg .legend line{stroke-width:2}
        figure.trend{display:inline-block;margin:8px 16px 8px 0;vertical-align:top;content-visibility:auto;\
        contain-intrinsic-size:auto 640px auto 300px}
        div.item{content-visibility:auto;contain-intrinsic-size:auto 400px}
        figcaption{font-weight:600}
        table.data{border-collapse:collapse;margin:8px 0;font-size:13px}
        table.data caption{text-align:left;font-weight:600;padding:4px 0}
        table.data th,table.data td{border-bottom:1px solid var(--line);padding:2px 8px;text-align:left}
        table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
        details.fallback summary{cursor:pointer;color:var(--measure)}
        dl.facts{display:flex;flex-wrap:wrap;gap:8px 24px;margin:8px 0}
        dl.facts div{border:1px solid var(--line);border-radius:4px;padding:4px 10px}
        dl.facts div.alert{border-color:var(--alert);color:var(--alert)}
        dt{font-size:11px;text-transform:uppercase;color:var(--muted)}dd{margin:0;font-weight:600}
        footer{color:var(--muted);border-top:1px solid var(--line);margin-top:24px;padding-top:8px;font-size:12px}
        @media print{
        @page{size:A4 landscape;margin:10mm}
        body{max-width:none;padding:0;font-size:11px}
        nav{display:none}
        section{break-before:page;border-top:none;margin-top:0}
        svg.chart,figure.trend,tr{break-inside:avoid}
        details.fallback summary{display:none}
        }
        """

    /// Opens every table before printing (paper cannot be clicked) and closes the ones it opened afterwards; notes
    /// on the body how many chart marks were drawn and when the page had loaded and been laid out (reading
    /// `offsetHeight` forces the layout), for the tests and the benchmark.
    static let script = """
        (function(){
        var opened=[];
        addEventListener('beforeprint',function(){document.querySelectorAll('details.fallback:not([open])')\
        .forEach(function(d){d.open=true;opened.push(d);});});
        addEventListener('afterprint',function(){opened.forEach(function(d){d.open=false;});opened=[];});
        function done(){var b=document.body;void b.offsetHeight;b.dataset.marks=String(document.querySelectorAll('svg.chart [data-value]').length);\
        b.dataset.loadedMs=String(Math.round(performance.now()));b.dataset.ready='true';}
        if(document.readyState==='complete'){done();}else{addEventListener('load',done);}
        })();
        """
}
