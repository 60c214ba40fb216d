// The grids' helpers (layouts/grid.py): numbers in the page's language, and a CSV export made in the browser whose
// cells cannot run as spreadsheet formulas. Nothing here evaluates text.
(function () {
  const formats = {};
  function format(lang, digits) {
    const key = lang + ":" + digits;
    if (!formats[key]) {
      formats[key] = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    }
    return formats[key];
  }
  const functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  functions.IOCnumber = function (params, digits) {
    const value = params.value;
    if (typeof value !== "number" || !isFinite(value)) {
      return value === null || value === undefined ? "" : String(value);
    }
    const lang = (params.context && params.context.lang) || "vi";
    return format(lang, digits).format(value);
  };
  function quoted(params) {
    const value = params.value === null || params.value === undefined ? "" : String(params.value);
    return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(value) ? "'" + value : value;
  }
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.ioc_grid = {
    export_csv: function (clicks, buttonId) {
      if (!clicks || !buttonId || !window.dash_ag_grid) {
        return window.dash_clientside.no_update;
      }
      const grid = buttonId.grid;
      window.dash_ag_grid.getApiAsync(grid).then(function (api) {
        api.exportDataAsCsv({
          fileName: "ioc-" + grid + ".csv",
          processCellCallback: function (params) {
            const column = params.column.getColDef();
            if (column.valueFormatter && typeof params.value === "number") {
              return quoted({ value: params.formatValue(params.value) });
            }
            return quoted(params);
          },
        });
      });
      return clicks;
    },
  };
})();
