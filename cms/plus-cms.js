// PLUS Store additions to Decap CMS, loaded after decap-cms.js by /admin/index.html.
//
// Decap writes a cleared field as "" (or null). The catalog's models read an empty optional
// field as "not given" only when the key is absent, so before every save we drop empty
// values: `member_price: ""` becomes no member price instead of a validation error.
//
// With `plus cms-serve`, a product's or factory's `id` is its file name: when a save changed it,
// the backend renamed the file, so the page reopens the entry under its new name.
(function () {
  "use strict";

  var MAP = "@@__IMMUTABLE_MAP__@@";
  var LIST = "@@__IMMUTABLE_LIST__@@";

  function isEmpty(value) {
    if (value === "" || value === null || value === undefined) return true;
    return Boolean(value && value[MAP] && value.size === 0);
  }

  function prune(value) {
    if (value && value[MAP]) {
      return value.map(prune).filter(function (item) { return !isEmpty(item); });
    }
    if (value && value[LIST]) {
      return value.map(prune).filter(function (item) { return !isEmpty(item); });
    }
    if (typeof value === "string" && value.trim() === "") return "";
    return value;
  }

  window.CMS.registerEventListener({
    name: "preSave",
    handler: function (event) {
      return prune(event.entry.get("data"));
    },
  });

  window.CMS.registerEventListener({
    name: "postSave",
    handler: function (event) {
      var entry = event.entry;
      var id = entry.getIn(["data", "id"]);
      if (typeof id !== "string" || !id || id === entry.get("slug")) return;
      window.location.hash = "#/collections/" + entry.get("collection") + "/entries/" + id;
    },
  });
})();
