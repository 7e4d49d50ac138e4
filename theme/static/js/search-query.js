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
  const pieces = queryPieces(query);
  const terms = [...new Set(pieces.flat())];
  if (!terms.length) return (await pagefind.search(null, options)).results;
  const main = await pagefind.search(terms.join(" "), options);
  if (terms.length === 1) return main.results;
  const checks = await Promise.all(
    pieces.map(async (piece) => {
      const search = await pagefind.search(piece.length > 1 ? `"${piece.join(" ")}"` : piece[0]);
      return new Set(search.results.map((r) => r.id));
    }),
  );
  return main.results.filter((r) => checks.every((ids) => ids.has(r.id)));
}

/* The index folders of a site whose catalog is indexed in `count` shards (storefront/search.py). */
export function shardPaths(count) {
  return Array.from({ length: count }, (_, i) => (i ? `pagefind/shard-${i + 1}/` : "pagefind/"));
}

/* Every shard's products as one answer: { length, page(start, count) → each result's data }.
   Unsorted, by Pagefind's score (each shard scores against its own products, as Pagefind's own
   mergeIndex does); sorted, by merging the shards' sorted lists on the key each result carries as
   meta (`sort_<key>`), loading only the data of the results shown and of each shard's next one. */
export async function searchShards(shards, query, options) {
  const lists = await Promise.all(shards.map((pagefind) => searchProducts(pagefind, query, options)));
  const length = lists.reduce((sum, list) => sum + list.length, 0);
  const [sort] = Object.entries(options.sort || {});
  if (lists.length === 1 || !sort) {
    const results = lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => b.score - a.score);
    return { length, page: (start, count) => Promise.all(results.slice(start, start + count).map((r) => r.data())) };
  }
  const [key, direction] = sort;
  const sign = direction === "desc" ? -1 : 1;
  const next = lists.map(() => 0);
  const heads = lists.map(() => null);
  const merged = [];
  const head = (i) => (heads[i] ||= next[i] < lists[i].length ? lists[i][next[i]].data() : Promise.resolve(null));
  return {
    length,
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
  const merged = {};
  for (const filters of await Promise.all(shards.map((pagefind) => pagefind.filters()))) {
    for (const [name, values] of Object.entries(filters)) {
      merged[name] ||= {};
      for (const [value, count] of Object.entries(values)) merged[name][value] = (merged[name][value] || 0) + count;
    }
  }
  return merged;
}
