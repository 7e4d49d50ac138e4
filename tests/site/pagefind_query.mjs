// Query a built site's Pagefind indexes with Pagefind's own pagefind.js, in Node, from the files, the way
// the search page does (theme/static/js/search-query.js turns the shopper's words into the store's terms
// and searches every shard the search page names).
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
const { searchShards, shardFilters, shardPaths } = await import(new URL("../../theme/static/js/search-query.js", import.meta.url));
const page = await readFile(`${site}/search/index.html`, "utf-8").catch(() => "");
const count = Number((page.match(/data-search-shards="(\d+)"/) || [0, 1])[1]);
const shards = [];
for (const path of shardPaths(count)) {
  const bundle = pathToFileURL(`${site}/${path}`).href;
  const pagefind = await import(`${bundle}pagefind.js`);
  await pagefind.options({ basePath: bundle, baseUrl: "/" });
  await pagefind.init();
  shards.push(pagefind);
}
const answers = [];
for (const { query, options } of JSON.parse(requestsJson)) {
  const found = await searchShards(shards, query || "", options || {});
  const results = [];
  for (let start = 0; start < found.length; start += 2) results.push(...(await found.page(start, 2))); // as the page loads more
  answers.push(results.map((d) => ({ url: d.url, meta: d.meta, filters: d.filters })));
}
console.log(JSON.stringify({ shards: count, filters: await shardFilters(shards), answers }));
