/* After paying: the storefront's cart (cart.js, localStorage "plus-cart") drops the products just bought. */
(function () {
  "use strict";
  var node = document.querySelector("[data-cart-bought]");
  if (!node) return;
  var bought = node.getAttribute("data-cart-bought").split(" ");
  try {
    var data = JSON.parse(localStorage.getItem("plus-cart") || "{}");
    var items = Array.isArray(data.items) ? data.items : [];
    var left = items.filter(function (i) { return bought.indexOf(i.product) < 0; });
    localStorage.setItem("plus-cart", JSON.stringify({ items: left }));
  } catch (e) {
    /* storage disabled or broken: nothing to empty */
  }
})();
