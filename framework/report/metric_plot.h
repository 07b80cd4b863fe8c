#pragma once
// The plot of the primary metric per iteration, as a small self-contained SVG written by
// qtune (no plotting library): axes with ticks, one point per finite iteration joined in
// id order, the best point marked, the target as a dashed line, failed iterations as
// crosses on the x axis. final_report.md links it.
#include <filesystem>
#include <optional>
#include <string>

#include "qtune/history.h"

namespace qtune::report {

inline constexpr const char* kMetricPlotFile = "metric_plot.svg";

// The SVG text. Each finite row is one <circle class="point ..."> (the best one also has
// class "best"); each non-finite row one <path class="failed">.
std::string metric_plot_svg(const History& rows, const IterationRow* best, std::optional<double> target,
                            const std::string& title);

// Writes outputs/metric_plot.svg atomically; returns its path.
std::filesystem::path write_metric_plot(const std::filesystem::path& outputs_dir, const History& rows,
                                        const IterationRow* best, std::optional<double> target);

}  // namespace qtune::report
