/* The address step: show the server's delivery fee for the chosen province before paying. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-fee-summary]");
  var form = document.querySelector("form.pc-address");
  if (!summary || !form) return;
  var url = summary.getAttribute("data-fee-url");
  var feeCell = summary.querySelector("[data-fee]");
  var totalCell = summary.querySelector("[data-total]");
  var note = document.querySelector("[data-fee-message]");

  /* The API's exact amount ("25.00") as shoppers read it, the rule of catalog/money.py: 25, 8.50. */
  function yuan(amount) {
    var fixed = Number(amount).toFixed(2);
    return fixed.slice(-3) === ".00" ? fixed.slice(0, -3) : fixed;
  }

  function province() {
    var saved = form.querySelector("input[name=saved]:checked");
    if (saved && saved.value !== "new") return saved.getAttribute("data-province-of");
    return form.querySelector("[data-province]").value;
  }

  function show() {
    var name = province();
    if (!name) return;
    fetch(url + "?province=" + encodeURIComponent(name), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) {
          feeCell.textContent = data.error.message;
          totalCell.textContent = "—";
          return;
        }
        feeCell.textContent = !data.served ? data.message : Number(data.fee) === 0 ? "包邮" : "¥" + yuan(data.fee);
        totalCell.textContent = data.total ? "¥" + yuan(data.total) : "—";
        note.textContent = data.served ? data.message : "";
      })
      .catch(function () { feeCell.textContent = "暂时无法计算，支付页会显示"; });
  }

  /* A saved address is picked: the new-address form is not needed until 新地址 is chosen. */
  var newAddress = form.querySelector(".pc-new-address");
  function showNewAddress() {
    var saved = form.querySelector("input[name=saved]:checked");
    if (newAddress) newAddress.hidden = !!saved && saved.value !== "new";
  }
  showNewAddress();

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[name=saved]")) showNewAddress();
    if (event.target.matches("[data-province], input[name=saved]")) show();
  });
})();
