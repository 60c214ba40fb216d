// Vietnamese month and weekday names for the date pickers: dash-mantine-components' DatesProvider registers
// window.dayjs_locale_<code> with its own dayjs, so nothing is loaded from outside.
window.dayjs_locale_vi = {
  name: "vi",
  weekStart: 1,
  weekdays: ["chủ nhật", "thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy"],
  weekdaysShort: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
  weekdaysMin: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
  months: Array.from({ length: 12 }, (_, i) => "tháng " + (i + 1)),
  monthsShort: Array.from({ length: 12 }, (_, i) => "Th" + String(i + 1).padStart(2, "0")),
  ordinal: (n) => n,
  formats: {
    LT: "HH:mm", LTS: "HH:mm:ss", L: "DD/MM/YYYY", LL: "D MMMM [năm] YYYY",
    LLL: "D MMMM [năm] YYYY HH:mm", LLLL: "dddd, D MMMM [năm] YYYY HH:mm",
  },
};
