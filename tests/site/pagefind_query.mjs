// Query a built site's Pagefind index with Pagefind's own pagefind.js, in Node, from the files.
// usage: node pagefind_query.mjs SITE_DIR '[{"term": "吸尘器", "options": {}}, ...]'
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const [site, requestsJson] = process.argv.slice(2);
// pagefind.js fetches its index relative to itself; Node's fetch has no file: support, so serve the files.
globalThis.fetch = async (input) => {
  const url = new URL(typeof input === "string" ? input : input.url);
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch {
    return new Response("", { status: 404 });
  }
};
const bundle = pathToFileURL(`${site}/pagefind/`).href;
const pagefind = await import(`${bundle}pagefind.js`);
await pagefind.options({ basePath: bundle, baseUrl: "/" });
await pagefind.init();
const answers = [];
for (const { term, options } of JSON.parse(requestsJson)) {
  const search = await pagefind.search(term, options || {});
  const results = await Promise.all(search.results.map((r) => r.data()));
  answers.push(results.map((d) => ({ url: d.url, meta: d.meta, filters: d.filters })));
}
console.log(JSON.stringify({ filters: await pagefind.filters(), answers }));
