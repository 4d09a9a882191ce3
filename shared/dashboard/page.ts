// The dashboard: one static page whose script polls the app's own API (the links' health, operations,
// their audit trail, recent events, the failover decisions of the link whose panel is open, the
// refresh jobs) and acts on operations (cancel, retry, approve, reject), links (ask for a failover
// playbook, dry run or not) and refresh jobs (run one now, pause, resume). No framework, no build
// step, nothing fetched from elsewhere: styles, script and favicon are inline, so it works offline.
// The page holds no data and no secret; the script sends the function key, which it takes from
// ?code= once and keeps in the tab's sessionStorage.
import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client';
import * as format from './format';

/** The source of format.ts's functions, declared inside the page's script. */
export function helpersSource(): string {
  return (Object.values(format) as unknown[])
    .filter((v) => typeof v === 'function')
    .map((f) => Function.prototype.toString.call(f))
    .join('\n');
}

// A database drum on the app's blue: a favicon, so that no browser asks for /favicon.ico.
const FAVICON_SVG =
  "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='6' fill='#0b3d62'/>" +
  "<ellipse cx='16' cy='9' rx='9' ry='3.5' fill='#fff'/><path d='M7 9v14c0 2 4 3.5 9 3.5s9-1.5 9-3.5V9' fill='none' stroke='#fff' stroke-width='2.5'/>" +
  "<path d='M7 16c0 2 4 3.5 9 3.5s9-1.5 9-3.5' fill='none' stroke='#fff' stroke-width='2'/></svg>";

/** Encoded whole, so the page's text holds no URL at all (the SVG namespace included). */
export const FAVICON_HREF = 'data:image/svg+xml,' + encodeURIComponent(FAVICON_SVG);

const STYLE = `
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
[hidden] { display: none !important; }
button, input, select, textarea { font: inherit; }
button { cursor: pointer; border: 1px solid #d0d7de; background: #f6f8fa; color: #1f2328; border-radius: 6px; padding: 3px 10px; }
button:hover:not(:disabled) { background: #eaeef2; }
button:disabled { cursor: default; opacity: .5; }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
button.primary { background: #1f883d; border-color: #1a7f37; color: #fff; }
button.primary:hover:not(:disabled) { background: #1a7f37; }
button.danger { background: #cf222e; border-color: #a40e26; color: #fff; }
button.danger:hover:not(:disabled) { background: #a40e26; }
input, select, textarea { border: 1px solid #d0d7de; border-radius: 6px; padding: 3px 6px; background: #fff; color: #1f2328; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; }
a { color: #0969da; }
.muted { color: #59636e; }
.err { color: #a40e26; }
.warn { color: #7d4e00; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

header.top { background: #0b3d62; color: #fff; padding: 6px 16px; display: flex; align-items: center; gap: 16px; }
header.top h1 { font-size: 17px; margin: 0; white-space: nowrap; }
header.top h1 span { font-weight: 400; opacity: .8; }
#status { margin: 0 0 0 auto; font-size: 13px; opacity: .9; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
#status.bad { color: #ffd8d3; opacity: 1; font-weight: 600; }
header.top button { background: transparent; color: #fff; border-color: rgba(255,255,255,.45); white-space: nowrap; }
header.top button:hover { background: rgba(255,255,255,.12); }

.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: 8px 16px; background: #fff; border-bottom: 1px solid #d0d7de; }
.toolbar label { font-size: 13px; color: #59636e; display: inline-flex; align-items: center; gap: 6px; }
.toolbar label > select, .toolbar label > input { color: #1f2328; }
#f-kind { width: 8em; }
#f-target { width: 13em; }
#f-kind-hint { font-size: 12px; }
.pager { margin-left: auto; display: flex; align-items: center; gap: 8px; font-size: 13px; }
.alert { margin: 8px 16px 0; padding: 8px 12px; border: 1px solid #ff8182; background: #ffebe9; color: #82071e; border-radius: 6px; }

main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; padding: 10px 16px 16px; align-items: start; }
main.with-detail { grid-template-columns: minmax(0, 1fr) clamp(340px, 28vw, 560px); }
.list { min-width: 0; }

table.ops { width: 100%; table-layout: fixed; border-collapse: collapse; background: #fff; border: 1px solid #d0d7de; font-size: 13px; }
table.ops th, table.ops td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaeef2; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; vertical-align: middle; }
table.ops thead th { position: sticky; top: 0; z-index: 1; background: #f6f8fa; font-weight: 600; color: #424a53; border-bottom: 1px solid #d0d7de; }
table.ops tr.group th { background: #eef2f6; color: #424a53; font-size: 12px; font-weight: 600; padding: 3px 6px; }
/* sized for DejaVu Sans, the widest common UI font: "awaiting-approval" and "12 min ago" fit whole */
col.c-id { width: 80px; } col.c-kind { width: 62px; } col.c-target { width: 15%; } col.c-state { width: 154px; }
col.c-step { width: 9%; } col.c-progress { width: 100px; } col.c-updated { width: 92px; }
tr.op { cursor: pointer; }
tr.op:hover td { background: #f3f8fe; }
tr.op.selected td { background: #ddf4ff; }
tr.op.selected td:first-child { box-shadow: inset 3px 0 0 #0969da; }
.idbtn { border: 0; background: none; padding: 0; color: #0969da; font: 12px ui-monospace, SFMono-Regular, Consolas, monospace; text-decoration: underline dotted; }
.idbtn:hover { background: none !important; text-decoration: underline; }
td.note b { font-weight: 600; }

.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; line-height: 18px; border: 1px solid transparent; }
.pending .badge { background: #ddf4ff; color: #0550ae; border-color: #80ccff; }
.running .badge { background: #0969da; color: #fff; }
.waiting .badge { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.awaiting-approval .badge { background: #fff1e5; color: #953800; border-color: #fb8f44; }
.succeeded .badge { background: #dafbe1; color: #116329; border-color: #4ac26b; }
.failed .badge { background: #ffebe9; color: #a40e26; border-color: #ff8182; }
.cancelled .badge { background: #eaeef2; color: #424a53; border-color: #afb8c1; }
.skipped .badge { background: #f6f8fa; color: #59636e; border: 1px dashed #8c959f; font-style: italic; font-weight: 500; }

.bar { width: 44px; height: 8px; background: #eaeef2; border-radius: 4px; display: inline-block; vertical-align: middle; overflow: hidden; }
.bar > span { display: block; height: 100%; width: 0; background: #0969da; }
.pct { font-variant-numeric: tabular-nums; }

details.events { margin-top: 12px; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; }
details.events summary { cursor: pointer; font-weight: 600; }
#counters { margin: 6px 0; font-size: 13px; }
.chip { display: inline-block; background: #eef2f6; border-radius: 10px; padding: 0 8px; margin: 2px 2px 2px 0; }

.detail { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px; position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow: auto; overflow-wrap: anywhere; min-width: 0; }
.dhead { display: flex; align-items: flex-start; gap: 8px; }
.dhead h2 { font-size: 15px; margin: 0; flex: 1; min-width: 0; }
.close { font-size: 18px; line-height: 1; padding: 2px 8px; }
.idline { margin: 4px 0; }
.small { font-size: 12px; padding: 1px 8px; }
.stateline { margin: 4px 0 8px; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.act-approve { background: #1f883d; border-color: #1a7f37; color: #fff; }
.act-approve:hover:not(:disabled) { background: #1a7f37 !important; }
.act-reject, .act-cancel { color: #a40e26; border-color: #ff8182; background: #fff; }
.flash { margin: 6px 0; padding: 6px 10px; border-radius: 6px; background: #dafbe1; border: 1px solid #4ac26b; color: #116329; }
.flash.bad { background: #ffebe9; border-color: #ff8182; color: #82071e; }
.box { border: 1px solid #eaeef2; border-radius: 6px; padding: 6px 10px; margin: 8px 0; }
.box h3, .audit h3 { font-size: 13px; margin: 0 0 4px; color: #424a53; }
.box h4 { font-size: 12px; margin: 6px 0 2px; color: #424a53; }
.box .text { margin: 2px 0 6px; white-space: pre-wrap; }
.approval { border-color: #fb8f44; background: #fff8f2; }
.errbox { border-color: #ff8182; background: #fff5f4; }
.skipped-box { border: 1px dashed #8c959f; background: #f6f8fa; }
.restored { border-color: #4ac26b; }
dl { display: grid; grid-template-columns: 96px minmax(0, 1fr); gap: 2px 10px; margin: 0; font-size: 13px; }
dt { color: #59636e; }
dd { margin: 0; min-width: 0; }
ol.files, ul.diffs { margin: 0; padding-left: 18px; font: 12px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; }
table.mini { width: 100%; border-collapse: collapse; font-size: 12px; }
table.mini th, table.mini td { text-align: left; padding: 2px 4px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
table.mini th, table.mini td.nw { white-space: nowrap; }
/* an LSN is read digit by digit: it may go to the next line whole, never in pieces */
td.lsn { font: 11px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; overflow-wrap: normal; }
.detail details { margin: 6px 0; }
.detail summary { cursor: pointer; font-size: 13px; color: #424a53; }
.detail pre { white-space: pre-wrap; font-size: 12px; background: #f6f8fa; padding: 6px; border-radius: 4px; margin: 4px 0; max-height: 40vh; overflow: auto; }

.keypanel { max-width: 720px; margin: 32px auto; background: #fff; border: 1px solid #d4a72c; border-radius: 8px; padding: 16px 20px; }
.keypanel h2 { margin: 0 0 8px; font-size: 18px; color: #7d4e00; }
.keypanel h3 { font-size: 14px; margin: 12px 0 4px; }
.keypanel ul { margin: 0; padding-left: 20px; }
.keypanel form { margin: 14px 0 6px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.keypanel input { width: 22em; }

dialog { border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; width: min(560px, calc(100vw - 32px)); box-shadow: 0 8px 24px rgba(0,0,0,.2); }
dialog::backdrop { background: rgba(31,35,40,.45); }
dialog h2 { margin: 0 0 8px; font-size: 17px; }
dialog p { margin: 6px 0; }
dialog .field { display: flex; flex-direction: column; gap: 3px; margin: 10px 0; font-size: 13px; }
dialog textarea { min-height: 3.5em; resize: vertical; }
dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 12px; }
#confirm-approval { border: 1px solid #fb8f44; background: #fff8f2; border-radius: 6px; padding: 4px 10px; }
#confirm-error { color: #82071e; background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; padding: 6px 10px; }

/* the links panel: one compact row per link, the worst first; it scrolls inside itself past ~45% of the screen */
section.links { padding: 10px 16px 0; }
details.links-box { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
details.links-box > summary { cursor: pointer; padding: 5px 10px; font-size: 13px; }
details.links-box > summary h2 { display: inline; font-size: 15px; margin: 0 8px 0 2px; }
#links-updated { margin-left: 10px; font-size: 12px; }
.lcount { font-weight: 600; }
.lcount.link-healthy { color: #116329; }
.lcount.link-degraded { color: #7d4e00; }
.lcount.link-unknown { color: #424a53; }
.lcount.link-broken { color: #a40e26; }
.links-alert { margin: 0 10px 6px; padding: 6px 10px; border: 1px solid #ff8182; background: #ffebe9; color: #82071e; border-radius: 6px; }
.links-scroll { max-height: 45vh; overflow: auto; border-top: 1px solid #d0d7de; }
/* below this width the panel scrolls sideways inside itself, not the page */
table.links-t { width: 100%; min-width: 1060px; table-layout: fixed; border-collapse: collapse; font-size: 13px; }
table.links-t th, table.links-t td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eaeef2; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; vertical-align: middle; }
table.links-t thead th { position: sticky; top: 0; z-index: 1; background: #f6f8fa; font-weight: 600; color: #424a53; border-bottom: 1px solid #d0d7de; }
table.links-t th.num, table.links-t td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* sized for DejaVu Sans: "degraded confirming…", "12 min ago" and "23 h 59 min" fit whole */
col.lc-name { width: 10%; } col.lc-state { width: 180px; } col.lc-since { width: 90px; } col.lc-roles { width: 22%; }
col.lc-num { width: 90px; } col.lc-spark { width: 110px; }
tr.link { cursor: pointer; }
tr.link:hover td { background: #f3f8fe; }
tr.link.l-broken td:first-child { box-shadow: inset 3px 0 0 #cf222e; }
tr.link.l-unknown td:first-child { box-shadow: inset 3px 0 0 #8c959f; }
tr.link.l-degraded td:first-child { box-shadow: inset 3px 0 0 #d4a72c; }
.linkbtn { border: 0; background: none; padding: 0; color: #0969da; font-weight: 600; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: left; }
.linkbtn:hover { background: none !important; text-decoration: underline; }
.linkbtn::before { content: "▸ "; color: #59636e; }
.linkbtn[aria-expanded="true"]::before { content: "▾ "; }
.link-healthy .badge { background: #dafbe1; color: #116329; border-color: #4ac26b; }
.link-degraded .badge { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.link-broken .badge { background: #cf222e; color: #fff; border-color: #a40e26; }
.link-unknown .badge { background: #eaeef2; color: #424a53; border: 1px dashed #6e7781; }
.confirming { font-size: 12px; font-style: italic; color: #0550ae; }
td.lroles.unexpected { color: #953800; }
td.lroles .flag { color: #bc4c00; }
.role { font-size: 11px; letter-spacing: .02em; }
.rcode { font: 600 11px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; padding: 0 4px; border-radius: 4px; background: #eef2f6; color: #424a53; }
.rcode.sev-broken { background: #ffebe9; color: #a40e26; }
.rcode.sev-degraded { background: #fff8c5; color: #7d4e00; }
svg.spark { display: block; overflow: hidden; }
svg.spark .line { fill: none; stroke: #0969da; stroke-width: 1.5; stroke-linecap: round; stroke-linejoin: round; }
svg.spark .base { stroke: #d0d7de; stroke-width: 1; }
svg.spark .b-degraded { fill: #fff1b8; }
svg.spark .b-broken { fill: #ffcecb; }
svg.spark .b-unknown { fill: #e4e8ec; }
tr.link-more td { white-space: normal; overflow-wrap: anywhere; background: #fbfcfd; padding: 2px 10px 6px 24px; font-size: 12px; cursor: auto; }
tr.link-more p { margin: 2px 0; }
tr.link-more ul { margin: 2px 0; padding-left: 16px; }

/* a link's failover button, at the end of its row */
col.lc-fo { width: 92px; }
table.links-t td.lfo { text-align: center; }
.fobtn { font-size: 12px; padding: 1px 8px; }
.fobtn[aria-expanded="true"] { background: #ddf4ff; border-color: #0969da; color: #0550ae; }
tr.link.fo-open td { background: #f3f8fe; }

/* approvals waiting: every operation a person must decide, failovers first, above everything else */
section.approvals { margin: 8px 16px 0; background: #fff8f2; border: 1px solid #fb8f44; border-left: 4px solid #bc4c00; border-radius: 6px; padding: 6px 12px; }
section.approvals h2 { font-size: 15px; margin: 0 0 2px; color: #953800; }
/* many waiting scroll inside the strip: the links and operations stay on the first screen */
#approvals-list { list-style: none; margin: 0; padding: 0; max-height: 34vh; overflow: auto; }
li.appr { display: flex; align-items: flex-start; gap: 12px; padding: 4px 0; border-top: 1px solid #fcd3b5; }
li.appr:first-child { border-top: 0; }
.appr .abody { flex: 1; min-width: 0; overflow-wrap: anywhere; }
.appr .ahead { font-size: 13px; }
.appr .aprompt { margin: 1px 0 0; white-space: pre-wrap; }
.appr .actions { flex: none; margin: 0; flex-wrap: nowrap; }
.tag { display: inline-block; font-size: 11px; font-weight: 600; letter-spacing: .03em; padding: 0 6px; border-radius: 4px; background: #eaeef2; color: #424a53; }
.tag.fo { background: #953800; color: #fff; }

/* a link's failover panel: its decisions (fetched only while it is open) and the form that asks for a playbook */
section.fo { padding: 10px 16px 0; }
.fo-box { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; min-width: 0; }
.fo-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; }
.fo-head h2 { font-size: 15px; margin: 0; }
.fo-head label { font-size: 13px; color: #59636e; display: inline-flex; align-items: center; gap: 6px; }
.fo-head .close { margin-left: auto; }
#fo-sides, #fo-updated { font-size: 12px; }
.fo-form { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 8px 0 4px; padding: 6px 8px; background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 6px; font-size: 13px; }
.fo-form label { display: inline-flex; align-items: center; gap: 6px; }
#fo-type-hint { font-size: 12px; flex: 1 1 320px; min-width: 0; }
#fo-result { margin: 6px 0; overflow-wrap: anywhere; }
#fo-result p { margin: 2px 0; }
#fo-result ul, .dec ul.dreasons { margin: 2px 0; padding-left: 18px; }
.fo-box h3 { font-size: 13px; margin: 8px 0 2px; color: #424a53; }
#fo-policy { font-size: 12px; margin: 2px 0; }
ol.decisions { list-style: none; margin: 0; padding: 0; max-height: 50vh; overflow: auto; }
li.dec { padding: 5px 2px; border-top: 1px solid #eaeef2; font-size: 13px; overflow-wrap: anywhere; }
li.dec:first-child { border-top: 0; }
.dec .dmeta { font-size: 12px; }
.dec details { margin: 2px 0 0; }
.dec summary { cursor: pointer; font-size: 12px; color: #424a53; }
.dk-none .badge, .badge.dk-none { background: #eaeef2; color: #424a53; border-color: #afb8c1; }
.dk-notify .badge, .badge.dk-notify { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.dk-await-approval .badge, .badge.dk-await-approval { background: #fff1e5; color: #953800; border-color: #fb8f44; }
.dk-act .badge, .badge.dk-act { background: #0969da; color: #fff; }
.dk-unknown .badge, .badge.dk-unknown { background: #fff; color: #424a53; border: 1px dashed #6e7781; }

/* a failover operation's output in its detail */
.fobox ol, .fobox ul { margin: 0 0 4px; padding-left: 20px; font-size: 13px; }
ul.checks { list-style: none; padding-left: 0 !important; }
ul.checks li { margin: 1px 0; }
ul.checks .mark { display: inline-block; width: 1.2em; font-weight: 700; }
ul.checks li.ok .mark { color: #1a7f37; }
ul.checks li.bad .mark { color: #cf222e; }
ul.checks li.bad { color: #82071e; }
ol.timeline { list-style: none; padding-left: 0 !important; border-left: 2px solid #d0d7de; margin-left: 4px !important; }
ol.timeline li { position: relative; padding: 1px 0 1px 12px; }
ol.timeline li::before { content: ""; position: absolute; left: -5px; top: 7px; width: 8px; height: 8px; border-radius: 50%; background: #0969da; }
ol.timeline time { font: 12px ui-monospace, SFMono-Regular, Consolas, monospace; color: #59636e; margin-right: 6px; }

/* the refresh jobs panel: one row per job of the estate; jobs are few, so a row may take two lines */
section.rj { padding: 10px 16px 0; }
details.rj-box { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
details.rj-box > summary { cursor: pointer; padding: 5px 10px; font-size: 13px; }
details.rj-box > summary h2 { display: inline; font-size: 15px; margin: 0 8px 0 2px; }
#rj-updated { margin-left: 10px; font-size: 12px; }
.rj-bad { color: #a40e26; font-weight: 600; }
#rj-result { margin: 0 10px 6px; overflow-wrap: anywhere; }
#rj-result p { margin: 0; }
.rj-scroll { max-height: 35vh; overflow: auto; border-top: 1px solid #d0d7de; }
/* below this width the panel scrolls sideways inside itself, not the page */
table.rj-t { width: 100%; min-width: 1060px; table-layout: fixed; border-collapse: collapse; font-size: 13px; }
table.rj-t th, table.rj-t td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaeef2; vertical-align: top; overflow-wrap: anywhere; }
table.rj-t thead th { position: sticky; top: 0; z-index: 1; background: #f6f8fa; font-weight: 600; color: #424a53; border-bottom: 1px solid #d0d7de; white-space: nowrap; }
col.rc-name { width: 13%; } col.rc-ends { width: 19%; } col.rc-sched { width: 19%; } col.rc-next { width: 15%; } col.rc-act { width: 164px; }
table.rj-t code { font-size: 12px; color: #424a53; }
.rjname .badge { margin-left: 4px; }
.badge.rj-paused { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.badge.rj-disabled { background: #eaeef2; color: #424a53; border: 1px dashed #6e7781; }
.rj-unknown .badge { background: #fff; color: #424a53; border: 1px dashed #6e7781; }
tr.rj.rj-failed td:first-child { box-shadow: inset 3px 0 0 #cf222e; }
.rjwhen { white-space: nowrap; }
/* a long error: three lines here, whole in its hover text and in the operation's detail */
.rjerr { margin-top: 2px; color: #82071e; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }
table.rj-t td.rjact { white-space: nowrap; }
td.rjact button { font-size: 12px; padding: 1px 8px; }
td.rjact button[aria-disabled="true"] { cursor: progress; opacity: .6; }

/* a refresh operation's output in its detail; the columns no script could mask stand out */
.notmasked { border: 1px solid #ff8182; border-left: 4px solid #cf222e; background: #fff5f4; border-radius: 6px; padding: 4px 8px; margin: 6px 0; }
.box .notmasked h4 { color: #a40e26; margin-top: 0; }
.notmasked ul { margin: 0; padding-left: 0; list-style: none; font-size: 12px; }
.notmasked li { margin: 2px 0; }
.nm-tag { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .03em; background: #cf222e; color: #fff; padding: 0 5px; border-radius: 4px; }
table.phases th.num, table.phases td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.phases tfoot td { font-weight: 600; border-bottom: 0; }
ol.msgs { margin: 0; padding-left: 20px; font: 12px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; }

@media (max-width: 1179px) {
  main.with-detail { grid-template-columns: minmax(0, 1fr); }
  .detail { position: static; max-height: none; }
}
`;

const BODY = `
<header class="top">
  <h1>mi-autopilot <span>operations</span></h1>
  <p id="status" aria-live="off">loading…</p>
  <button type="button" id="refresh">Refresh now</button>
  <button type="button" id="forget" title="Remove the function key from this tab">Forget key</button>
</header>
<noscript><p class="alert">This dashboard needs JavaScript.</p></noscript>
<section id="keypanel" class="keypanel" hidden role="alert" aria-labelledby="key-title">
  <h2 id="key-title">No function key</h2>
  <p id="key-why"></p>
  <h3>Where to find the key</h3>
  <ul>
    <li><b>Local run</b> (<code>npm start</code>): <code>FUNCTIONS_DEFAULT_KEY</code> in <code>local.settings.json</code>; <code>npm start</code> also prints the dashboard link with it.</li>
    <li><b>In Azure</b>: the Function App in the Azure portal, <i>Functions → App keys</i> (the <code>default</code> host key), or <code>az functionapp keys list</code>.</li>
  </ul>
  <form id="key-form" autocomplete="off">
    <label for="key-input">Function key</label>
    <input id="key-input" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit" class="primary">Use this key</button>
  </form>
  <p class="muted">The key stays in this browser tab (sessionStorage) and goes to the app in a request header; it is never shown or put in the address bar.</p>
</section>
<div id="app">
  <form id="filters" class="toolbar" role="search" aria-label="Filter operations">
    <label for="f-state">State
      <select id="f-state">
        <option value="recent">open + recently finished</option>
        <option value="open" title="pending, running, waiting, awaiting approval">open (not finished)</option>
        <option value="pending">pending</option>
        <option value="running">running</option>
        <option value="waiting">waiting</option>
        <option value="awaiting-approval">awaiting approval</option>
        <option value="succeeded">succeeded (incl. skipped)</option>
        <option value="failed">failed</option>
        <option value="cancelled">cancelled</option>
        <option value="all">all states</option>
      </select>
    </label>
    <label for="f-kind">Kind <input id="f-kind" list="kinds" placeholder="any" autocomplete="off" spellcheck="false"></label>
    <datalist id="kinds"><option value="restore"></option><option value="failover"></option><option value="refresh"></option><option value="demo"></option></datalist>
    <span id="f-kind-hint" class="err" role="alert" hidden></span>
    <label for="f-target">Target <input id="f-target" type="search" placeholder="instance/database" autocomplete="off" spellcheck="false"></label>
    <label for="f-limit">Page size
      <select id="f-limit"><option value="25">25</option><option value="50">50</option><option value="100">100</option><option value="200">200</option></select>
    </label>
    <button type="submit">Apply</button>
    <button type="button" id="f-reset">Reset</button>
    <nav class="pager" aria-label="Pages">
      <button type="button" id="newer" disabled>← Newer</button>
      <span id="page-info">page 1</span>
      <button type="button" id="older" disabled>Older →</button>
    </nav>
  </form>
  <p id="alert" class="alert" role="alert" hidden></p>
  <section id="approvals" class="approvals" hidden aria-labelledby="approvals-title">
    <h2 id="approvals-title">Approvals waiting</h2>
    <ul id="approvals-list"></ul>
  </section>
  <section id="links" class="links" aria-labelledby="links-title">
    <details id="links-box" class="links-box" open>
      <summary><h2 id="links-title">Links</h2> <span id="links-summary" aria-live="off">loading…</span><span id="links-updated" class="muted"></span></summary>
      <p id="links-error" class="links-alert" role="alert" hidden></p>
      <div class="links-scroll">
        <table class="links-t" id="links-table">
          <caption class="sr-only">Managed Instance links, the ones that need attention first; select one for its reasons and numbers</caption>
          <colgroup><col class="lc-name"><col class="lc-state"><col class="lc-since"><col class="lc-roles"><col class="lc-num"><col class="lc-num"><col class="lc-num"><col class="lc-spark"><col class="lc-note"><col class="lc-fo"></colgroup>
          <thead><tr><th scope="col">Link</th><th scope="col">State</th><th scope="col">Since</th><th scope="col" title="the primary first: → is the direction the data flows">Roles</th>` +
  `<th scope="col" class="num" title="how far the secondary is behind, at the last sample (the worst database)">Lag</th>` +
  `<th scope="col" class="num" title="estimated data at risk: the primary's last commit minus the secondary's">RPO est.</th>` +
  `<th scope="col" class="num" title="estimated redo time: redo queue over redo rate on the secondary">RTO est.</th>` +
  `<th scope="col" title="lag over the last hour; tinted where a sample was not healthy">Lag, 1 h</th><th scope="col">Reasons</th><th scope="col" title="the link's failover decisions, and a form to ask for a playbook">Failover</th></tr></thead>
          <tbody id="links-rows"><tr class="empty"><td colspan="10" class="muted">loading…</td></tr></tbody>
        </table>
      </div>
    </details>
  </section>
  <section id="fo" class="fo" hidden aria-labelledby="fo-title">
    <div class="fo-box">
      <div class="fo-head">
        <h2 id="fo-title">Failover</h2>
        <label for="fo-link">Link <select id="fo-link"></select></label>
        <span id="fo-sides" class="muted"></span>
        <span id="fo-updated" class="muted"></span>
        <button type="button" class="close" id="fo-close" aria-label="Close the failover panel">×</button>
      </div>
      <form id="fo-form" class="fo-form" aria-label="Ask for a failover playbook" autocomplete="off">
        <label for="fo-type">Type
          <select id="fo-type">
            <option value="planned">planned</option>
            <option value="failback">failback</option>
            <option value="forced">forced</option>
            <option value="cutover">cutover</option>
            <option value="offline-failback">offline-failback</option>
            <option value="split-brain-repair">split-brain-repair</option>
          </select>
        </label>
        <label for="fo-dry"><input type="checkbox" id="fo-dry" checked> Dry run (changes nothing)</label>
        <button type="submit" id="fo-start">Start…</button>
        <span id="fo-type-hint" class="muted"></span>
      </form>
      <div id="fo-result" class="flash" role="status" hidden></div>
      <h3 id="fo-decisions-title">Decisions <span class="muted">(newest first, the last 20; every signal's, “nothing” included)</span></h3>
      <p id="fo-policy" class="muted"></p>
      <p id="fo-error" class="links-alert" role="alert" hidden></p>
      <ol id="fo-decisions" class="decisions" aria-labelledby="fo-decisions-title"></ol>
    </div>
  </section>
  <section id="rj" class="rj" aria-labelledby="rj-title">
    <details id="rj-box" class="rj-box" open>
      <summary><h2 id="rj-title">Refresh jobs</h2> <span id="rj-summary" aria-live="off">loading…</span><span id="rj-updated" class="muted"></span></summary>
      <p id="rj-error" class="links-alert" role="alert" hidden></p>
      <div id="rj-result" class="flash" role="status" hidden></div>
      <div id="rj-scroll" class="rj-scroll">
        <table class="rj-t" id="rj-table">
          <caption class="sr-only">Refresh jobs of the estate: each copies its source database over its target's copy, sanitized and validated, on its schedule or when run now</caption>
          <colgroup><col class="rc-name"><col class="rc-ends"><col class="rc-sched"><col class="rc-next"><col class="rc-last"><col class="rc-act"></colgroup>
          <thead><tr><th scope="col">Job</th><th scope="col">Source → target</th><th scope="col" title="in words where simple, then the NCRONTAB expression (second minute hour day month day-of-week) and the time zone it is read in">Schedule</th>` +
  `<th scope="col" title="in this browser's time zone">Next run</th><th scope="col">Last run</th><th scope="col">Actions</th></tr></thead>
          <tbody id="rj-rows"><tr class="empty"><td colspan="6" class="muted">loading…</td></tr></tbody>
        </table>
      </div>
    </details>
  </section>
  <main id="main">
    <section class="list" aria-label="Operations">
      <table class="ops" id="ops">
        <caption class="sr-only">Operations, newest first; select one for its details</caption>
        <colgroup><col class="c-id"><col class="c-kind"><col class="c-target"><col class="c-state"><col class="c-step"><col class="c-progress"><col class="c-note"><col class="c-updated"></colgroup>
        <thead><tr><th scope="col">Id</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Reason / result</th><th scope="col">Updated</th></tr></thead>
        <tbody id="ops-open"><tr class="group"><th colspan="8" scope="colgroup">Open</th></tr></tbody>
        <tbody id="ops-done"><tr class="group"><th colspan="8" scope="colgroup">Recently finished</th></tr></tbody>
      </table>
      <details id="events-box" class="events">
        <summary>Recent events and today's counts</summary>
        <div id="counters"></div>
        <table class="mini"><tbody id="events"></tbody></table>
      </details>
    </section>
    <aside id="detail" class="detail" hidden aria-labelledby="detail-title">
      <div id="detail-top"></div>
      <p id="flash" class="flash" role="status" hidden></p>
      <div id="detail-body"></div>
    </aside>
  </main>
</div>
<dialog id="confirm" aria-labelledby="confirm-title">
  <form id="confirm-form">
    <h2 id="confirm-title">Confirm</h2>
    <p id="confirm-what"></p>
    <div id="confirm-approval" hidden></div>
    <p id="confirm-effect" class="muted"></p>
    <div class="field" id="confirm-by-row">
      <label for="confirm-by">Your name (recorded in the audit trail; self-declared unless App Service authentication signs you in)</label>
      <input id="confirm-by" autocomplete="name" maxlength="256">
    </div>
    <div class="field" id="confirm-text-row">
      <label for="confirm-text" id="confirm-text-label">Reason</label>
      <textarea id="confirm-text" maxlength="1000"></textarea>
    </div>
    <p id="confirm-error" role="alert" hidden></p>
    <div class="buttons">
      <button type="button" id="confirm-back">Back</button>
      <button type="submit" id="confirm-ok">Confirm</button>
    </div>
  </form>
</dialog>
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

let built: { html: string; csp: string } | undefined;

function build(): { html: string; csp: string } {
  if (built) return built;
  const script = `\n(function () {\n'use strict';\n${helpersSource()}\n${CLIENT_SCRIPT}\n})();\n`;
  // Only this script and this style run, only the app itself is fetched: an injected tag or an
  // external resource does nothing.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(STYLE)}`,
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mi-autopilot operations</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="${FAVICON_HREF}">
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${script}</script>
</body>
</html>`;
  built = { html, csp };
  return built;
}

export function dashboardHtml(): string {
  return build().html;
}

/** The response headers of the page: the same policy as its meta tag, plus what only a header can say. */
export function dashboardHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `${build().csp}; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
