/* PLUS store search: Pagefind's index of the store's own search terms (built by `plus build`, see
   storefront/search_text.py), filters, sorting; the query, filters and sort live in the URL. */
const SITE = document.body.dataset.site || "";
const root = document.querySelector("[data-search]");
const form = root.querySelector("[data-search-form]");
const input = form.querySelector("input[name=q]");
const sortSelect = form.querySelector("select[name=sort]");
const filtersBox = root.querySelector("[data-search-filters]");
const statusBox = root.querySelector("[data-search-status]");
const resultsBox = root.querySelector("[data-search-results]");
const moreButton = root.querySelector("[data-more]");
const PAGE_SIZE = 24;
/* A search that takes longer than this (ms) says 搜索中…; a quicker one changes the results in place. */
const SLOW_MS = 300;

/* The filter panel, rendered by the template with every value of the whole catalog and its count
   (storefront/search.py's filter_panel: what Pagefind counts over the same products); after each
   search only its counts change (showCounts), so ticks, focus and folded groups stay as the
   shopper left them. */
const filterRows = [...filtersBox.querySelectorAll(".filter-row")].map((row) => {
  const box = row.querySelector("input");
  return { key: box.name, value: box.value, box, count: row.querySelector(".filter-count"), row, group: row.closest("details") };
});
const FILTERS = [...new Set(filterRows.map((row) => row.key))];
const catalogCounts = {};
for (const { key, value, count } of filterRows) (catalogCounts[key] ||= {})[value] = Number(count.textContent.slice(1, -1));

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function stateFromUrl() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of FILTERS) {
    const values = params.getAll(key);
    if (values.length) filters[key] = values;
  }
  return { q: params.get("q") || "", sort: params.get("sort") || "", filters };
}

function stateToUrl(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort) params.set("sort", state.sort);
  for (const [key, values] of Object.entries(state.filters)) values.forEach((v) => params.append(key, v));
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function currentState() {
  const filters = {};
  filtersBox.querySelectorAll("input:checked").forEach((box) => {
    (filters[box.name] ||= []).push(box.value);
  });
  return { q: input.value.trim(), sort: sortSelect.value, filters };
}

/* The address's ticks; on a phone each group folded but those ticked (the template renders them
   open, as a wide screen shows them). */
function takeOverFilters(selected) {
  const wide = window.matchMedia("(min-width: 960px)").matches;
  for (const { key, value, box } of filterRows) box.checked = (selected[key] || []).includes(value);
  if (!wide) for (const group of filtersBox.querySelectorAll("details")) group.open = group.querySelector("input:checked") !== null;
}

/* Each value's count under the current search, written into the label's count only where it
   changed. A value that would give nothing is hidden, unless it is ticked (so it can be unticked),
   has the focus or was the one just tapped (Safari does not focus a tapped checkbox): on a phone
   the panel stands above the results, and a long list of values that lead to 没有找到 (dozens of
   factories under one query) would push them down for nothing, as the big shops' apps show only
   what the results hold. A group with nothing left to show hides too. */
function showCounts(counts, tapped) {
  const shown = new Set();
  for (const { key, value, box, count, row, group } of filterRows) {
    const n = counts[key]?.[value] || 0;
    const text = `(${n})`;
    if (count.textContent !== text) count.textContent = text;
    row.hidden = n === 0 && !box.checked && box !== document.activeElement && box !== tapped;
    if (!row.hidden) shown.add(group);
  }
  for (const { group } of filterRows) group.hidden = !shown.has(group);
  filtersBox.removeAttribute("data-pending"); // counted for the search shown: in sight (store.css)
}

function card(data) {
  const li = el("li", "card");
  const link = el("a", "card-link");
  link.href = data.url;
  const frame = el("span", "card-img");
  if (data.meta.image) {
    const img = el("img");
    img.src = data.meta.image;
    img.alt = data.meta.image_alt || "";
    img.loading = "lazy";
    frame.appendChild(img);
  }
  if (data.meta.corner) frame.appendChild(el("span", "corner", data.meta.corner));
  link.appendChild(frame);
  link.appendChild(el("h2", "card-title", data.meta.title || ""));
  const price = el("span", "card-price");
  const amount = el("span", "price");
  amount.append(el("small", "", "¥"), document.createTextNode(data.meta.price || ""));
  price.appendChild(amount);
  link.appendChild(price);
  if (data.meta.factory) link.appendChild(el("span", "card-meta", data.meta.factory));
  li.appendChild(link);
  return li;
}

let generation = 0;

async function run(event) {
  if (event) event.preventDefault();
  const state = currentState();
  const tapped = event?.target.type === "checkbox" ? event.target : null;
  stateToUrl(state);
  const mine = ++generation;
  const hasFilters = Object.keys(state.filters).length > 0;
  const hasQuery = queryPieces(state.q).length > 0;
  if (!hasQuery && !hasFilters && !state.sort) {
    resultsBox.textContent = "";
    resultsBox.setAttribute("aria-busy", "false");
    statusBox.textContent = "输入关键词，或选择分类、价格、背书、产业带筛选";
    showCounts(catalogCounts, tapped);
    paging = null;
    moreButton.hidden = true;
    return;
  }
  // Several values of one filter mean any of them (两个分类 = either category).
  const filters = Object.fromEntries(Object.entries(state.filters).map(([key, values]) => [key, { any: values }]));
  const options = { filters };
  // 综合 without a query: the catalog's order, deepest discount first (the index's own order is the
  // order Pagefind read the records in).
  const [key, direction] = (state.sort || (hasQuery ? "" : "rank:asc")).split(":");
  if (key) options.sort = { [key]: direction };
  // The cards shown stay until the new ones are ready (no blank grid, no jump to the top on a tick);
  // "搜索中…" only for a search slow enough to notice.
  resultsBox.setAttribute("aria-busy", "true");
  const slow = setTimeout(() => mine === generation && (statusBox.textContent = "搜索中…"), SLOW_MS);
  const results = await searchShards(shards, hasQuery ? state.q : "", options);
  if (mine !== generation) return clearTimeout(slow);
  const page = await results.page(0, PAGE_SIZE);
  clearTimeout(slow);
  if (mine !== generation) return;
  // The counts, the status and the cards change together: what is shown moves once, not twice.
  showCounts(results.filters, tapped);
  statusBox.textContent = results.length ? `找到${results.length}件商品` : "没有找到相关商品，换个词或减少筛选条件试试";
  show(results, 0, page, mine);
}

/* The search shown: its results, how many of them the grid holds, its generation, and whether
   加载更多 is loading its next page; null when none is shown. */
let paging = null;

/* 加载更多: the next page of the search shown, after its cards. A tap while that page loads, or
   once another search has started (it decides the button), loads nothing. */
async function showMore() {
  if (!paging || paging.loading || paging.mine !== generation) return;
  paging.loading = true;
  const { results, shown, mine } = paging;
  const page = await results.page(shown, PAGE_SIZE);
  if (mine === generation) show(results, shown, page, mine);
}

/* A page of results: the first replaces the cards shown, the next ones go after them; 加载更多
   shows exactly while the search found more than the grid holds. */
function show(results, start, page, mine) {
  const cards = page.map(card);
  if (start === 0) resultsBox.replaceChildren(...cards);
  else resultsBox.append(...cards);
  resultsBox.setAttribute("aria-busy", "false");
  paging = { results, shown: start + page.length, mine, loading: false };
  moreButton.hidden = paging.shown >= results.length;
}

const initial = stateFromUrl();
input.value = initial.q;
sortSelect.value = initial.sort;
takeOverFilters(initial.filters);
// Nothing asked: the panel's counts are the page's already, shown before Pagefind has loaded.
if (!initial.q && !initial.sort && !Object.keys(initial.filters).length) filtersBox.removeAttribute("data-pending");

// With this file's ?v= (the theme's version): the query terms must match the index of the same build.
const { queryPieces, searchShards, shardPaths } = await import(`./search-query.js${new URL(import.meta.url).search}`);
// A large catalog is indexed in several shards (data-search-shards), searched together.
const shards = await Promise.all(
  shardPaths(Number(root.dataset.searchShards || 1)).map(async (path) => {
    const pagefind = await import(`${SITE}/${path}pagefind.js`);
    await pagefind.options({ baseUrl: `${SITE}/` });
    pagefind.init();
    await pagefind.filters(); // the filter index: a search without it loaded counts nothing
    return pagefind;
  }),
);
form.addEventListener("submit", run);
sortSelect.addEventListener("change", run);
for (const { box } of filterRows) box.addEventListener("change", run);
moreButton.addEventListener("click", showMore);
run();
