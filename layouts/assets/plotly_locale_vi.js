// Vietnamese for plotly.js's own texts (the mode bar's buttons, its notices, double-click hints): figures ask for it
// with config {locale: "vi"} (layouts/figures.py). Registered before or after IOC's plotly.js bundle has loaded.
(function () {
  const locale = {
    moduleType: "locale",
    name: "vi",
    dictionary: {
      "Autoscale": "Tự co giãn",
      "Box Select": "Chọn vùng chữ nhật",
      "Lasso Select": "Chọn vùng tự do",
      "Pan": "Kéo",
      "Zoom": "Phóng to vùng",
      "Zoom in": "Phóng to",
      "Zoom out": "Thu nhỏ",
      "Reset": "Đặt lại",
      "Reset axes": "Đặt lại trục",
      "Reset view": "Đặt lại khung nhìn",
      "Reset views": "Đặt lại khung nhìn",
      "Toggle Spike Lines": "Bật/tắt đường gióng",
      "Show closest data on hover": "Hiện số liệu gần nhất khi rê chuột",
      "Compare data on hover": "So sánh số liệu khi rê chuột",
      "Toggle show closest data on hover": "Bật/tắt hiện số liệu gần nhất khi rê chuột",
      "Download plot": "Tải biểu đồ",
      "Download plot as a PNG": "Tải biểu đồ dạng PNG",
      "Download plot as JSON": "Tải biểu đồ dạng JSON",
      "Image": "Ảnh",
      "Image download succeeded": "Đã tải ảnh",
      "JSON download succeeded": "Đã tải JSON",
      "Preparing image - this may take a few seconds": "Đang chuẩn bị ảnh, xin chờ vài giây",
      "Sorry, there was a problem downloading your image!": "Không tải được ảnh",
      "Sorry, there was a problem downloading your JSON file!": "Không tải được tệp JSON",
      "Double-click to zoom back out": "Nhấp đúp để thu nhỏ lại",
      "Double-click on legend to isolate one trace": "Nhấp đúp vào chú giải để chỉ xem một chuỗi",
      "Cancel": "Huỷ",
      "Orbital rotation": "Xoay quanh",
      "Turntable rotation": "Xoay bàn",
      "Reset camera to default": "Đặt lại góc nhìn mặc định",
      "Reset camera to last save": "Đặt lại góc nhìn đã lưu",
      "Draw line": "Vẽ đường",
      "Draw open freeform": "Vẽ nét tự do",
      "Draw closed freeform": "Vẽ vùng tự do",
      "Draw circle": "Vẽ hình tròn",
      "Draw rectangle": "Vẽ hình chữ nhật",
      "Erase active shape": "Xoá hình đang chọn",
    },
    format: {
      days: ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
      shortDays: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
      months: Array.from({ length: 12 }, (_, i) => "Tháng " + (i + 1)),
      shortMonths: Array.from({ length: 12 }, (_, i) => "Th" + (i + 1)),
      date: "%d/%m/%Y",
    },
  };
  if (window.Plotly && window.Plotly.register) {
    window.Plotly.register(locale);
    return;
  }
  // The bundle loads later (layouts/assets/plotly-start.js, or dcc.Graph when a graph needs it): register the locale
  // the moment it sets window.Plotly, before it draws anything, whether or not it reads window.PlotlyLocales.
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () { return plotly; },
    set: function (value) {
      plotly = value;
      if (value && value.register) {
        try { value.register(locale); } catch (e) { /* registered already */ }
      }
    },
  });
})();
