// Accuracy against computational budget, the plot the CHASE and MSDNet papers
// argue with: test top-1 (%) over MFLOPs (millions of multiply-adds) per image,
// drawn with PLplot (its cairo driver) as PNG and SVG. Each run contributes its
// anytime points (one per exit) and its budgeted curve in one colour; reference
// points (published numbers) are drawn as labelled black symbols.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace chase::eval {

struct Curve {
  std::vector<double> mflops, top1;
};

struct PlottedRun {
  std::string label;
  Curve anytime;   // points; may be empty
  Curve budgeted;  // a line; may be empty
};

struct ReferencePoint {
  std::string label;
  double mflops = 0, top1 = 0;
};

struct AccuracyPlot {
  std::string title;
  std::vector<PlottedRun> runs;
  std::vector<ReferencePoint> references;
};

// Writes `stem`.png and `stem`.svg. Throws chase::Error when there is nothing to
// draw, a value is not finite, or PLplot lacks its cairo driver (Debian package
// plplot-driver-cairo), naming what is missing.
void write_accuracy_plot(const AccuracyPlot& plot, const std::filesystem::path& stem);

}  // namespace chase::eval
