#include "report/metric_plot.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "report/history_view.h"

namespace qtune::report {
namespace {

// Canvas and margins, in SVG user units (pixels).
constexpr double kWidth = 720, kHeight = 360;
constexpr double kLeft = 80, kRight = 24, kTop = 40, kBottom = 56;
// About this many y ticks; x ticks every iteration up to this many, else thinned.
constexpr int kYTicks = 5;
constexpr int kMaxXTicks = 20;

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A "nice" tick step (1, 2, 5 x 10^k) covering `span` in about `count` steps.
double nice_step(double span, int count) {
  if (!(span > 0)) return 1;
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  const double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
  return nice * magnitude;
}

std::string tick_label(double v, double step) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step))), 0, 6);
  return fmt::format("{:.{}f}", v, decimals);
}

}  // namespace

std::string metric_plot_svg(const History& rows, const IterationRow* best, std::optional<double> target,
                            const std::string& title) {
  std::vector<const IterationRow*> finite, failed;
  for (const IterationRow& row : rows) (row.has_finite_value() ? finite : failed).push_back(&row);
  const bool show_target = target && std::isfinite(*target);

  // Domains.
  double x_min = 0, x_max = 1;
  if (!rows.empty()) {
    x_min = rows.front().id;
    x_max = rows.front().id;
    for (const IterationRow& row : rows) {
      x_min = std::min<double>(x_min, row.id);
      x_max = std::max<double>(x_max, row.id);
    }
  }
  if (x_max - x_min < 1) {
    x_min -= 0.5;
    x_max += 0.5;
  } else {
    x_min -= 0.3;
    x_max += 0.3;
  }
  double y_min = 0, y_max = 1;
  bool any_y = false;
  auto include = [&](double v) {
    if (!any_y) y_min = y_max = v;
    y_min = std::min(y_min, v);
    y_max = std::max(y_max, v);
    any_y = true;
  };
  for (const IterationRow* row : finite) include(row->value());
  if (show_target) include(*target);
  if (y_max - y_min <= 0) {
    const double pad = std::max(std::fabs(y_max) * 0.01, 0.5);
    y_min -= pad;
    y_max += pad;
  }
  const double step = nice_step(y_max - y_min, kYTicks);
  y_min = std::floor(y_min / step) * step;
  y_max = std::ceil(y_max / step) * step;
  if (y_max - y_min <= 0) y_max = y_min + step;

  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double y) { return kTop + (y_max - y) / (y_max - y_min) * plot_h; };
  const std::string metric = primary_metric_of(rows, best).empty() ? "primary metric" : primary_metric_of(rows, best);

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<style>.axis{{stroke:#333;stroke-width:1}} .grid{{stroke:#ddd;stroke-width:1}} "
      ".trace{{fill:none;stroke:#4477aa;stroke-width:1.5}} .point{{fill:#4477aa}} "
      ".best{{fill:#ee6677;stroke:#222;stroke-width:1}} .target{{stroke:#228833;stroke-width:1.5;stroke-dasharray:6 4}} "
      ".failed{{stroke:#cc3311;stroke-width:2}}</style>\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{3}</text>\n",
      kWidth, kHeight, kWidth / 2, xml_escape(title));

  // Grid and y ticks.
  svg += "<g class=\"y-ticks\">\n";
  for (double y = y_min; y <= y_max + step * 1e-6; y += step) {
    svg += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft, py(y),
                       kLeft + plot_w, py(y));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, py(y) + 4,
                       tick_label(y, step));
  }
  svg += "</g>\n<g class=\"x-ticks\">\n";
  std::vector<int> ids;
  for (const IterationRow& row : rows)
    if (ids.empty() || ids.back() != row.id) ids.push_back(row.id);
  const std::size_t every = ids.size() > static_cast<std::size_t>(kMaxXTicks) ? (ids.size() + kMaxXTicks - 1) / kMaxXTicks : 1;
  for (std::size_t i = 0; i < ids.size(); i += every) {
    const double x = px(ids[i]);
    svg += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>", x,
                       kTop + plot_h, kTop + plot_h + 4);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, kTop + plot_h + 18, ids[i]);
  }
  svg += "</g>\n";
  // Axes and their labels.
  svg += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", kLeft, kTop,
                     kTop + plot_h);
  svg += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>\n", kLeft,
                     kTop + plot_h, kLeft + plot_w);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">iteration</text>\n", kLeft + plot_w / 2,
                     kHeight - 12);
  svg += fmt::format("<text x=\"16\" y=\"{0:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0:.1f})\">{1}</text>\n",
                     kTop + plot_h / 2, xml_escape(metric));

  if (show_target) {
    svg += fmt::format("<line class=\"target\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft,
                       py(*target), kLeft + plot_w, py(*target));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#228833\">target {}</text>\n",
                       kLeft + plot_w - 4, py(*target) - 5, python_float_repr(*target));
  }
  if (finite.size() > 1) {
    std::string points;
    for (const IterationRow* row : finite) points += fmt::format("{:.1f},{:.1f} ", px(row->id), py(row->value()));
    points.pop_back();
    svg += fmt::format("<polyline class=\"trace\" points=\"{}\"/>\n", points);
  }
  for (const IterationRow* row : finite) {
    const bool is_best = best && row->dir == best->dir;
    svg += fmt::format("<circle class=\"point{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\"><title>iter_{}: {}={}</title></circle>\n",
                       is_best ? " best" : "", px(row->id), py(row->value()), is_best ? 6 : 4, row->id,
                       xml_escape(metric), format_value(&row->primary_value()));
    if (is_best)
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#ee6677\">best iter_{}</text>\n",
                         px(row->id), py(row->value()) - 10, row->id);
  }
  for (const IterationRow* row : failed) {
    const double x = px(row->id), y = kTop + plot_h;
    svg += fmt::format("<path class=\"failed\" d=\"M{:.1f},{:.1f} l8,-8 M{:.1f},{:.1f} l8,8\"><title>iter_{}: no finite value ({})</title></path>\n",
                       x - 4, y + 4 - 8 + 8, x - 4, y - 4, row->id, xml_escape(format_value(&row->primary_value())));
  }
  if (finite.empty())
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">no finite {} value yet</text>\n",
                       kLeft + plot_w / 2, kTop + plot_h / 2, xml_escape(metric));
  svg += "</svg>\n";
  return svg;
}

std::filesystem::path write_metric_plot(const std::filesystem::path& outputs_dir, const History& rows,
                                        const IterationRow* best, std::optional<double> target) {
  const std::string metric = primary_metric_of(rows, best);
  const std::string title = fmt::format("{} per iteration: {} on {}", metric.empty() ? "primary metric" : metric,
                                        model_name_of(rows), target_chip_of(rows));
  const std::filesystem::path path = outputs_dir / kMetricPlotFile;
  write_file_atomic(path, metric_plot_svg(rows, best, target, title));
  return path;
}

}  // namespace qtune::report
