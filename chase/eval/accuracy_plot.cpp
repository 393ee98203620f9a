#include "chase/eval/accuracy_plot.h"

#include <fmt/format.h>
#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/error.h"

namespace chase::eval {

namespace {

// Colour map 0 entries: PLplot's index 0 is the background, 1 the axes.
struct Rgb {
  int r, g, b;
};
constexpr Rgb kBackground{255, 255, 255}, kInk{0, 0, 0}, kGrid{190, 190, 190};
// Okabe-Ito: told apart by colour-blind readers too.
constexpr Rgb kPalette[] = {{0, 114, 178},  {213, 94, 0},   {0, 158, 115}, {204, 121, 167},
                            {230, 159, 0},  {86, 180, 233}, {120, 120, 120}};
constexpr int kPaletteSize = static_cast<int>(std::size(kPalette));
constexpr int kFirstRunColour = 3;
constexpr int kGridColour = 2;
// Hershey symbols in PLplot's font: a filled circle for exits, reference
// markers from a set of distinct shapes.
constexpr const char* kExitSymbol = "#(840)";
constexpr const char* kReferenceSymbols[] = {"#(852)", "#(851)", "#(844)", "#(843)", "#(845)"};

bool has_file_device(const std::string& wanted) {
  std::vector<const char*> menu(128), names(128);
  const char** menu_ptr = menu.data();
  const char** names_ptr = names.data();
  int count = static_cast<int>(names.size());
  plgFileDevs(&menu_ptr, &names_ptr, &count);
  for (int i = 0; i < count; ++i) {
    if (names_ptr[i] != nullptr && wanted == names_ptr[i]) return true;
  }
  return false;
}

void check_finite(const Curve& curve, const std::string& what) {
  CHASE_CHECK(curve.mflops.size() == curve.top1.size(), "plot: {} has {} x and {} y values",
              what, curve.mflops.size(), curve.top1.size());
  for (std::size_t i = 0; i < curve.mflops.size(); ++i) {
    CHASE_CHECK(std::isfinite(curve.mflops[i]) && std::isfinite(curve.top1[i]),
                "plot: {} point {} is ({}, {}), not finite", what, i + 1, curve.mflops[i],
                curve.top1[i]);
  }
}

struct Range {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  void add(double x, double y) {
    x_min = std::min(x_min, x), x_max = std::max(x_max, x);
    y_min = std::min(y_min, y), y_max = std::max(y_max, y);
  }
  bool empty() const { return !(x_min <= x_max); }
};

Range range_of(const AccuracyPlot& plot) {
  Range range;
  for (const auto& run : plot.runs) {
    for (const Curve* curve : {&run.anytime, &run.budgeted}) {
      for (std::size_t i = 0; i < curve->mflops.size(); ++i) {
        range.add(curve->mflops[i], curve->top1[i]);
      }
    }
  }
  for (const auto& point : plot.references) range.add(point.mflops, point.top1);
  return range;
}

void set_colour(int index, Rgb rgb) { plscol0(index, rgb.r, rgb.g, rgb.b); }

void draw(const AccuracyPlot& plot, const Range& range, const char* device,
          const std::string& file) {
  plsdev(device);
  plsfnam(file.c_str());
  plspage(0, 0, 1000, 700, 0, 0);
  set_colour(0, kBackground);
  set_colour(1, kInk);
  set_colour(kGridColour, kGrid);
  for (int i = 0; i < kPaletteSize; ++i) set_colour(kFirstRunColour + i, kPalette[i]);
  plinit();
  pladv(0);
  plvsta();
  // 5% margins around the data so that no point sits on an axis.
  const double dx = std::max(range.x_max - range.x_min, 1e-9) * 0.05;
  const double dy = std::max(range.y_max - range.y_min, 0.2) * 0.08;
  plwind(std::max(0.0, range.x_min - dx), range.x_max + dx, range.y_min - dy, range.y_max + dy);
  plcol0(kGridColour);
  plwidth(0.5);
  plbox("g", 0, 0, "g", 0, 0);
  plcol0(1);
  plwidth(1);
  plbox("bcnst", 0, 0, "bcnstv", 0, 0);
  pllab("MFLOPs per image (multiply-adds, millions)", "test top-1 accuracy (%)",
        plot.title.c_str());

  // The legend: one row per run (line and symbol), one per reference point.
  std::vector<PLINT> options, text_colours, line_colours, line_styles, symbol_colours,
      symbol_numbers, box_colours, box_patterns;
  std::vector<PLFLT> line_widths, symbol_scales, box_scales, box_widths;
  std::vector<std::string> labels, symbols;

  for (std::size_t r = 0; r < plot.runs.size(); ++r) {
    const auto& run = plot.runs[r];
    const int colour = kFirstRunColour + static_cast<int>(r) % kPaletteSize;
    plcol0(colour);
    if (!run.budgeted.mflops.empty()) {
      plwidth(2.5);
      plline(static_cast<PLINT>(run.budgeted.mflops.size()), run.budgeted.mflops.data(),
             run.budgeted.top1.data());
    }
    if (!run.anytime.mflops.empty()) {
      plwidth(1);
      plstring(static_cast<PLINT>(run.anytime.mflops.size()), run.anytime.mflops.data(),
               run.anytime.top1.data(), kExitSymbol);
    }
    PLINT option = 0;
    if (!run.budgeted.mflops.empty()) option |= PL_LEGEND_LINE;
    if (!run.anytime.mflops.empty()) option |= PL_LEGEND_SYMBOL;
    options.push_back(option);
    labels.push_back(run.label);
    symbols.push_back(kExitSymbol);
    text_colours.push_back(1);
    line_colours.push_back(colour);
    symbol_colours.push_back(colour);
  }
  for (std::size_t i = 0; i < plot.references.size(); ++i) {
    const auto& point = plot.references[i];
    const char* symbol = kReferenceSymbols[i % std::size(kReferenceSymbols)];
    plcol0(1);
    plstring(1, &point.mflops, &point.top1, symbol);
    options.push_back(PL_LEGEND_SYMBOL);
    labels.push_back(point.label);
    symbols.push_back(symbol);
    text_colours.push_back(1);
    line_colours.push_back(1);
    symbol_colours.push_back(1);
  }
  const auto n = options.size();
  line_styles.assign(n, 1);
  line_widths.assign(n, 2.5);
  symbol_scales.assign(n, 1.0);
  symbol_numbers.assign(n, 1);
  box_colours.assign(n, 0);
  box_patterns.assign(n, 0);
  box_scales.assign(n, 0.0);
  box_widths.assign(n, 0.0);
  std::vector<const char*> label_text, symbol_text;
  for (const auto& label : labels) label_text.push_back(label.c_str());
  for (const auto& symbol : symbols) symbol_text.push_back(symbol.c_str());
  PLFLT width = 0, height = 0;
  pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_BOTTOM | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.08, 0, 1, 1,
           0, 0, static_cast<PLINT>(n), options.data(), 1.0, 0.9, 2.0, 0.0, text_colours.data(),
           label_text.data(), box_colours.data(), box_patterns.data(), box_scales.data(),
           box_widths.data(), line_colours.data(), line_styles.data(), line_widths.data(),
           symbol_colours.data(), symbol_scales.data(), symbol_numbers.data(),
           symbol_text.data());
  plend1();
}

}  // namespace

void write_accuracy_plot(const AccuracyPlot& plot, const std::filesystem::path& stem) {
  for (const auto& run : plot.runs) {
    check_finite(run.anytime, fmt::format("{}'s anytime points", run.label));
    check_finite(run.budgeted, fmt::format("{}'s budgeted curve", run.label));
  }
  for (const auto& point : plot.references) {
    check_finite({{point.mflops}, {point.top1}}, fmt::format("reference {}", point.label));
  }
  const Range range = range_of(plot);
  CHASE_CHECK(!range.empty(), "plot {}: nothing to draw", stem.string());
  for (const char* device : {"pngcairo", "svgcairo"}) {
    CHASE_CHECK(has_file_device(device),
                "plot: PLplot has no '{}' device; install its cairo driver (Debian package "
                "plplot-driver-cairo)",
                device);
  }
  if (stem.has_parent_path()) std::filesystem::create_directories(stem.parent_path());
  auto png = stem, svg = stem;
  png += ".png";
  svg += ".svg";
  draw(plot, range, "pngcairo", png.string());
  draw(plot, range, "svgcairo", svg.string());
  CHASE_CHECK(std::filesystem::exists(png) && std::filesystem::exists(svg),
              "plot: PLplot did not write {} and {}", png.string(), svg.string());
}

}  // namespace chase::eval
