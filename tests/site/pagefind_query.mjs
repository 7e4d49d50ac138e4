// Query a built site's Pagefind index with Pagefind's own pagefind.js, in Node, from the files, the way
// the search page does (theme/static/js/search-query.js turns the shopper's words into the store's terms).
// usage: node pagefind_query.mjs SITE_DIR '[{"query": "吸尘器", "options": {}}, ...]'
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
const { searchProducts } = await import(new URL("../../theme/static/js/search-query.js", import.meta.url));
const bundle = pathToFileURL(`${site}/pagefind/`).href;
const pagefind = await import(`${bundle}pagefind.js`);
await pagefind.options({ basePath: bundle, baseUrl: "/" });
await pagefind.init();
const answers = [];
for (const { query, options } of JSON.parse(requestsJson)) {
  const found = await searchProducts(pagefind, query || "", options || {});
  const results = await Promise.all(found.map((r) => r.data()));
  answers.push(results.map((d) => ({ url: d.url, meta: d.meta, filters: d.filters })));
}
console.log(JSON.stringify({ filters: await pagefind.filters(), answers }));
