import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lattice API</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;padding:.2rem .4rem;border-radius:4px}pre{padding:.8rem;overflow:auto}
h2{border-bottom:1px solid #ddd;padding-bottom:.3rem}.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}</style>
</head><body><h1>Lattice public API</h1><p>Machine-readable: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script>
fetch('/docs/openapi.json').then(r=>r.json()).then(doc=>{
  const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
  const pre=v=>'<pre>'+esc(JSON.stringify(v,null,2))+'</pre>';
  let html='<p>'+esc(doc.info.description)+'</p>';
  for(const [path,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops)){
    html+='<h2><span class="m">'+m+'</span><code>'+esc(path)+'</code></h2><p>'+esc(op.summary)+'</p>';
    const req=op.requestBody?.content['application/json'].example; if(req!==undefined)html+='<h3>Request example</h3>'+pre(req);
    for(const [s,r] of Object.entries(op.responses)){
      const c=r.content&&Object.values(r.content)[0];
      html+='<h3>'+s+' — '+esc(r.description)+'</h3>';
      if(c?.example!==undefined)html+=pre(c.example);
      if(c?.examples)for(const e of Object.values(c.examples))html+=pre(e.value);
    }
  }
  document.getElementById('ops').innerHTML=html;
});
</script></body></html>`;

/** `GET /docs` (a readable page) and `GET /docs/openapi.json` (OpenAPI 3.1 with examples). */
@Controller('docs')
export class DocsController {
  private readonly document = buildOpenApiDocument();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}
