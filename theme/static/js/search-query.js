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
