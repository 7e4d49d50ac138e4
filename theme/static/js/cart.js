/* PLUS store cart: kept in localStorage; prices shown are display-only, the checkout decides. */
(function () {
  "use strict";
  var KEY = "plus-cart";
  var ME_KEY = "plus-me";
  var body = document.body;
  var SITE = body.getAttribute("data-site") || "";
  var API = body.getAttribute("data-api") || "/api";

  function read() {
    try {
      var data = JSON.parse(localStorage.getItem(KEY) || "{}");
      return Array.isArray(data.items) ? data.items : [];
    } catch (e) {
      return [];
    }
  }

  function write(items) {
    try {
      localStorage.setItem(KEY, JSON.stringify({ items: items }));
    } catch (e) {
      /* storage full or disabled: the cart simply does not persist */
    }
    showCount(items);
  }

  function add(product, quantity) {
    var items = read();
    var line = items.filter(function (i) { return i.product === product; })[0];
    if (line) line.quantity += quantity;
    else items.push({ product: product, quantity: quantity });
    write(items);
  }

  /* The header badge counts units, as a shopper counts what they carry: 2 umbrellas + 1 tray = 3. */
  function showCount(items) {
    var count = (items || read()).reduce(function (sum, i) {
      var quantity = parseInt(i.quantity, 10);
      return sum + (quantity > 0 ? quantity : 0);
    }, 0);
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = String(count);
      el.hidden = count === 0;
    });
  }

  /* Money in integer fen, parsed from the "69.00" strings of products.json. */
  function toFen(text) {
    var parts = String(text).split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function yuan(fen) {
    return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
  }

  /* Mirrors catalog.pricing.quote for display: list, member or wholesale tier, lowest wins. */
  function unitFen(p, quantity, member) {
    var best = toFen(p.price);
    if (member && p.member_price && toFen(p.member_price) < best) best = toFen(p.member_price);
    (p.tiers || []).forEach(function (t) {
      if (quantity >= t.min_qty && toFen(t.price) < best) best = toFen(t.price);
    });
    return best;
  }

  /* Who is logged in changes the prices shown. The app sets the cookie plus_me whenever the login or
     the membership changes (checkout/viewer.py): a cached answer counts only while the cookie still
     says what it said when the answer came. */
  function viewerState() {
    var match = document.cookie.match(/(?:^|;\s*)plus_me=([^;]*)/);
    return match ? match[1] : "0";
  }

  function me() {
    try {
      var cached = JSON.parse(sessionStorage.getItem(ME_KEY) || "null");
      if (cached && cached.state === viewerState() && Date.now() - cached.at < 300000) return Promise.resolve(cached.me);
    } catch (e) { /* ignore a broken cache */ }
    return fetch(API + "/me", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { member: false }; })
      .catch(function () { return { member: false }; })
      .then(function (data) {
        var info = { member: !!(data && data.member), authenticated: !!(data && data.authenticated) };
        /* The answer's own response set the cookie to the state it describes. */
        try { sessionStorage.setItem(ME_KEY, JSON.stringify({ at: Date.now(), state: viewerState(), me: info })); } catch (e) { /* ignore */ }
        return info;
      });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function initProductPage() {
    var form = document.querySelector("[data-add-to-cart]");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[name=qty]");
      var min = parseInt(input.min || "1", 10);
      var quantity = parseInt(input.value, 10);
      var status = form.querySelector("[data-buy-status]");
      if (!(quantity >= min)) {
        status.textContent = "最少购买" + min + "件";
        input.focus();
        return;
      }
      add(form.querySelector("input[name=add]").value, quantity);
      status.textContent = "";
      status.appendChild(document.createTextNode("已加入购物车 "));
      var link = el("a", "", "去结算");
      link.href = SITE + "/cart/";
      status.appendChild(link);
    });
    me().then(function (info) {
      if (!info.member) return;
      document.documentElement.classList.add("is-member");
      document.querySelectorAll("[data-member-note]").forEach(function (n) {
        n.textContent = "您是PLUS会员，结算自动按会员价";
      });
    });
  }

  function initCartPage() {
    var root = document.querySelector("[data-cart]");
    if (!root) return;
    var params = new URLSearchParams(location.search);
    if (params.get("add")) {
      var qty = parseInt(params.get("qty") || "1", 10);
      add(params.get("add"), qty > 0 ? qty : 1);
      history.replaceState(null, "", location.pathname);
    }
    var catalog = {};
    var member = false;
    var authenticated = false;
    var lines = root.querySelector("[data-cart-lines]");
    var error = root.querySelector("[data-cart-error]");
    if (params.get("cancelled")) {
      /* Back from 取消 on the pay page: the server already released the held stock; the cart is kept. */
      error.textContent = "已取消支付，购物车里的商品已保留，可修改后重新结算";
      history.replaceState(null, "", location.pathname);
    }

    /* Said on the line, before 去结算: only PLUS members can buy it, and how to become one. */
    function membersOnlyNote() {
      var note = el("span", "cart-members-only", "PLUS会员专享，");
      var join = el("a", "", "开通会员");
      join.href = root.getAttribute("data-membership-url");
      note.appendChild(join);
      if (authenticated) {
        note.appendChild(document.createTextNode("后可购买"));
      } else {
        note.appendChild(document.createTextNode("或"));
        var login = el("a", "", "登录");
        login.href = root.getAttribute("data-login-url");
        note.appendChild(login);
        note.appendChild(document.createTextNode("后购买"));
      }
      return note;
    }

    function render() {
      var items = read();
      lines.textContent = "";
      var total = 0;
      items.forEach(function (item) {
        var p = catalog[item.product];
        var li = el("li", "cart-line");
        if (!p) {
          li.appendChild(el("span", "muted", "商品已下架"));
        } else {
          var img = el("img");
          img.src = p.image;
          img.alt = p.image_alt || "";
          img.loading = "lazy";
          li.appendChild(img);
          var info = el("div", "cart-info");
          var title = el("a", "cart-title", p.title);
          title.href = p.url;
          info.appendChild(title);
          var unit = unitFen(p, item.quantity, member);
          total += unit * item.quantity;
          info.appendChild(el("span", "price", "¥" + yuan(unit)));
          if (p.moq > 1) info.appendChild(el("span", "muted", " · " + p.moq + "件起批"));
          if (p.members_only) info.appendChild(el("span", "chip", "会员专享"));
          if (p.members_only && !member) info.appendChild(membersOnlyNote());
          li.appendChild(info);
          var label = el("label", "vh", "数量：" + p.title);
          var input = el("input");
          input.type = "number";
          input.min = String(p.moq);
          input.step = "1";
          input.value = String(item.quantity);
          input.id = "qty-" + item.product;
          label.htmlFor = input.id;
          input.addEventListener("change", function () {
            var n = parseInt(input.value, 10);
            var all = read();
            all.forEach(function (i) { if (i.product === item.product) i.quantity = n >= p.moq ? n : p.moq; });
            write(all);
            render();
          });
          li.appendChild(label);
          li.appendChild(input);
        }
        var remove = el("button", "btn-link", "删除");
        remove.type = "button";
        remove.addEventListener("click", function () {
          write(read().filter(function (i) { return i.product !== item.product; }));
          render();
        });
        li.appendChild(remove);
        lines.appendChild(li);
      });
      root.querySelector("[data-cart-empty]").hidden = items.length > 0;
      root.querySelector("[data-cart-foot]").hidden = items.length === 0;
      root.querySelector("[data-cart-total]").textContent = yuan(total);
    }

    root.querySelector("[data-checkout]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      var items = read().filter(function (i) { return catalog[i.product]; });
      error.textContent = "";
      button.disabled = true;
      fetch(API + "/checkout", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ items: items.map(function (i) { return { product: i.product, quantity: i.quantity }; }) })
      })
        .then(function (r) { return r.json().catch(function () { return {}; }); })
        .then(function (data) {
          if (data && data.url) {
            location.href = data.url;
            return;
          }
          error.textContent = (data && data.error && data.error.message) || "结算暂时不可用，请稍后再试";
          button.disabled = false;
        })
        .catch(function () {
          error.textContent = "网络连接失败，请稍后再试";
          button.disabled = false;
        });
    });

    Promise.all([
      fetch(SITE + "/products.json").then(function (r) { return r.json(); }),
      me()
    ]).then(function (results) {
      results[0].products.forEach(function (p) { catalog[p.id] = p; });
      member = results[1].member;
      authenticated = results[1].authenticated;
      var state = document.querySelector("[data-member-state]");
      if (member && state) {
        state.textContent = "您是PLUS会员：会员价已计入";
        state.hidden = false;
      }
      render();
    }).catch(function () {
      error.textContent = "商品信息加载失败，请刷新重试";
    });
  }

  showCount();
  initProductPage();
  initCartPage();
  var heroState = document.querySelector(".plus-hero [data-member-state]");
  if (heroState) {
    me().then(function (info) {
      if (!info.member) return;
      heroState.textContent = "您已是PLUS会员";
      heroState.hidden = false;
    });
  }
})();
