/* A shopper's query as the store's search terms: the browser half of storefront/search_text.py
   (read its docstring). Chinese runs become ASCII keys of their n-grams of up to three characters
   (which find the index's longer n-grams they start), Latin letters and digits stay words. Keep in
   step with query_pieces(): a test compares the two. */
const PIECES = /[\u3400-\u4dbf\u4e00-\u9fff]+|[0-9a-z]+/gu;
const GRAM = 3;
const MARKER = "qv";

export function hanKey(chars) {
  let key = MARKER;
  for (const char of chars) key += String(char.codePointAt(0)).padStart(5, "0");
  return key;
}

/* Each piece of the query as its terms: every piece must match, a Chinese run's n-grams side by side. */
export function queryPieces(query) {
  const pieces = [];
  for (const piece of query.normalize("NFKC").toLowerCase().match(PIECES) || []) {
    if (/^[0-9a-z]/.test(piece)) {
      if (piece !== MARKER[0] && !piece.startsWith(MARKER)) pieces.push([piece]);
    } else {
      const n = Math.min(GRAM, piece.length);
      const grams = [];
      for (let i = 0; i + n <= piece.length; i++) grams.push(hanKey(piece.slice(i, i + n)));
      pieces.push(grams);
    }
  }
  return pieces;
}

/* Products that hold every piece of the query, in Pagefind's ranking (or the sort asked for).
   Pagefind skips a term it does not know rather than finding nothing, and ranks terms anywhere on
   the page: so each piece is checked on its own, a Chinese run as a quoted (adjacent) search. */
export async function searchProducts(pagefind, query, options) {
  return (await matching(pagefind, query, options)).results;
}

/* searchProducts' answer with how it was made: Pagefind's `term` and `main` answer, and `keep(id)`,
   whether a product holds every piece (null when Pagefind's answer needs no narrowing). */
async function matching(pagefind, query, options) {
  const pieces = queryPieces(query);
  const terms = [...new Set(pieces.flat())];
  const term = terms.length ? terms.join(" ") : null;
  const main = await pagefind.search(term, options);
  if (terms.length <= 1) return { term, main, keep: null, results: main.results };
  const checks = await Promise.all(
    pieces.map(async (piece) => {
      const search = await pagefind.search(piece.length > 1 ? `"${piece.join(" ")}"` : piece[0]);
      return new Set(search.results.map((r) => r.id));
    }),
  );
  const keep = (id) => checks.every((ids) => ids.has(id));
  return { term, main, keep, results: main.results.filter((r) => keep(r.id)) };
}

/* The index folders of a site whose catalog is indexed in `count` shards (storefront/search.py). */
export function shardPaths(count) {
  return Array.from({ length: count }, (_, i) => (i ? `pagefind/shard-${i + 1}/` : "pagefind/"));
}

/* Every shard's products as one answer: { length, page(start, count) → each result's data, filters }.
   Unsorted, by Pagefind's score (each shard scores against its own products, as Pagefind's own
   mergeIndex does); sorted, by merging the shards' sorted lists on the key each result carries as
   meta (`sort_<key>`), loading only the data of the results shown and of each shard's next one.
   `filters`: each filter value's count (shardCounts), summed over the shards. */
export async function searchShards(shards, query, options) {
  const answers = await Promise.all(
    shards.map(async (pagefind) => {
      const answer = await matching(pagefind, query, options);
      return { results: answer.results, counts: await shardCounts(pagefind, answer, options.filters || {}) };
    }),
  );
  const lists = answers.map((answer) => answer.results);
  const filters = sumCounts(answers.map((answer) => answer.counts));
  const length = lists.reduce((sum, list) => sum + list.length, 0);
  const [sort] = Object.entries(options.sort || {});
  if (lists.length === 1 || !sort) {
    const results = lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => b.score - a.score);
    return { length, filters, page: (start, count) => Promise.all(results.slice(start, start + count).map((r) => r.data())) };
  }
  const [key, direction] = sort;
  const sign = direction === "desc" ? -1 : 1;
  const next = lists.map(() => 0);
  const heads = lists.map(() => null);
  const merged = [];
  const head = (i) => (heads[i] ||= next[i] < lists[i].length ? lists[i][next[i]].data() : Promise.resolve(null));
  return {
    length,
    filters,
    async page(start, count) {
      while (merged.length < Math.min(start + count, length)) {
        const candidates = await Promise.all(lists.map((_, i) => head(i)));
        let best = -1;
        candidates.forEach((data, i) => {
          if (!data) return;
          const value = parseFloat(data.meta[`sort_${key}`]);
          if (best < 0 || sign * (value - parseFloat(candidates[best].meta[`sort_${key}`])) < 0) best = i;
        });
        merged.push(candidates[best]);
        heads[best] = null;
        next[best] += 1;
      }
      return merged.slice(start, start + count);
    },
  };
}

/* The filters of all shards: each value's count summed. */
export async function shardFilters(shards) {
  return sumCounts(await Promise.all(shards.map((pagefind) => pagefind.filters())));
}

function sumCounts(all) {
  const merged = {};
  for (const filters of all) {
    for (const [name, values] of Object.entries(filters)) {
      merged[name] ||= {};
      for (const [value, count] of Object.entries(values)) merged[name][value] = (merged[name][value] || 0) + count;
    }
  }
  return merged;
}

/* Each filter value's count in one shard's answer (`matching`) to the query and `filters` (each
   filter's ticked values as { any: [...] }): how many products a tick on that value would show,
   i.e. the products of the query and of the other filters' ticks. A filter's own ticks are left
   out of its counts, its values being "any of": ticking 食品 leaves 内衣 its count.
   Pagefind counts these exactly over its own answer: `filters` (over `main`) for a filter without
   ticks; for a ticked one, if it is the only one ticked and the answer is not narrowed,
   `totalFilters` (the query alone) or, with no query, the shard's own `filters()` (Pagefind's
   totalFilters count nothing for a search without a term), or else the `filters` of one more
   search without its ticks. But searchProducts narrows Pagefind's answer
   (`keep`), which Pagefind's counts do not know: so where narrowing removed products, they are
   counted by the filter values in their fragments and taken off again, or, when fewer, the kept
   ones are counted instead.
   Cost, on the 10,000-product index of bench/bench_search.py (two shards of 5,000) in Chromium on
   a 2-core machine: none with no or one filter ticked and a query of one Pagefind term (Pagefind
   counts its answer anyway); with two or more ticked, one more search a shard for each: +35 ms for
   吸尘器 (~330 products a shard), +130 ms for 袜子 (~1,300), +170 ms with no query; a query of
   several pieces with a tick asks once more without the ticks, as costly as the query itself
   (同工同料 袜, every product: 1.1 s → 2.0 s). Where narrowing removed products, min(removed, kept)
   fragments load, ~6 ms each from a local server (500 take 2.9 s), but none where it removed them
   because a piece is not in the shard (nothing kept): none of the queries tried on the seed or
   that index loaded one. */
async function shardCounts(pagefind, { term, main, keep }, filters) {
  const ticked = Object.keys(filters);
  const counts = {};
  for (const [name, values] of Object.entries(main.filters)) counts[name] = { ...values };
  const answers = [main];
  await Promise.all(
    ticked.map(async (name) => {
      if (ticked.length === 1 && !keep) {
        // Without a query there is no answer without the ticks to count (Pagefind's totalFilters of
        // a filter-only search are all 0): the filter alone is ticked, so it counts the whole shard.
        counts[name] = { ...(term === null ? (await pagefind.filters())[name] : main.totalFilters[name]) };
        return;
      }
      const others = Object.fromEntries(Object.entries(filters).filter(([key]) => key !== name));
      const search = await pagefind.search(term, { filters: others });
      counts[name] = { ...search.filters[name] };
      answers.push(search);
    }),
  );
  if (!keep) return counts;
  const seen = new Map();
  for (const search of answers) for (const r of search.results) seen.set(r.id, r);
  const kept = [];
  const removed = [];
  for (const r of seen.values()) (keep(r.id) ? kept : removed).push(r);
  if (!removed.length) return counts;
  const sign = kept.length < removed.length ? 1 : -1;
  if (sign > 0) for (const values of Object.values(counts)) for (const value of Object.keys(values)) values[value] = 0;
  const passes = (data, name) =>
    ticked.every((other) => other === name || (data.filters[other] || []).some((v) => filters[other].any.includes(v)));
  for (const data of await Promise.all((sign > 0 ? kept : removed).map((r) => r.data()))) {
    for (const [name, values] of Object.entries(data.filters)) {
      if (!counts[name] || !passes(data, name)) continue;
      for (const value of values) counts[name][value] = (counts[name][value] || 0) + sign;
    }
  }
  return counts;
}
