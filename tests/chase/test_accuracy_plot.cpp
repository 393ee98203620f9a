// Accuracy-against-MFLOPs plots (chase/eval/accuracy_plot.h): the PNG decodes
// (libpng) to the page size with the runs' colours on it, the SVG is a complete
// document; and the CSV readers that feed `chase plot` (chase/eval/reports.h).

#include <doctest/doctest.h>
#include <png.h>
#include <unistd.h>  // getpid: a folder per process

#include <filesystem>

#include "chase/eval/accuracy_plot.h"
#include "chase/eval/reports.h"
#include "chase/train/text_file.h"
#include "tensor/error.h"

namespace chase::eval {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / fmt::format("chase_test_plot_{}_{}", name, getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct DecodedPng {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

DecodedPng decode_png(const fs::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
  image.format = PNG_FORMAT_RGB;
  DecodedPng out{image.width, image.height, std::vector<std::uint8_t>(PNG_IMAGE_SIZE(image))};
  REQUIRE(png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr) != 0);
  return out;
}

// Pixels within 40 of `r, g, b` in every channel (anti-aliasing blends edges).
std::int64_t pixels_near(const DecodedPng& png, int r, int g, int b) {
  std::int64_t count = 0;
  for (std::size_t i = 0; i + 2 < png.rgb.size(); i += 3) {
    count += std::abs(png.rgb[i] - r) < 40 && std::abs(png.rgb[i + 1] - g) < 40 &&
             std::abs(png.rgb[i + 2] - b) < 40;
  }
  return count;
}

AccuracyPlot two_runs() {
  return {.title = "test",
          .runs = {{.label = "chase",
                    .anytime = {{3.8, 6.6, 9.2}, {93.8, 94.1, 94.2}},
                    .budgeted = {{4.0, 5.0, 8.0}, {94.0, 94.3, 94.35}}},
                   {.label = "msdnet",
                    .anytime = {{4.5, 9.0}, {93.0, 93.7}},
                    .budgeted = {}}},
          .references = {{.label = "paper", .mflops = 7.0, .top1 = 94.0}}};
}

TEST_CASE("plot: PNG and SVG are written and decode, with each run in its own colour") {
  const auto dir = fresh_dir("write");
  write_accuracy_plot(two_runs(), dir / "curve");
  const auto png = decode_png(dir / "curve.png");
  CHECK(png.width == 1000);
  CHECK(png.height == 700);
  CHECK(pixels_near(png, 255, 255, 255) > 350'000);  // mostly background
  CHECK(pixels_near(png, 0, 114, 178) > 200);         // the first run's blue line
  CHECK(pixels_near(png, 213, 94, 0) > 50);           // the second run's orange symbols

  const auto svg = train::read_text_file(dir / "curve.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("plot: nothing to draw or a value that is not finite is refused") {
  const auto dir = fresh_dir("refuse");
  CHECK_THROWS_WITH_AS(write_accuracy_plot({.title = "", .runs = {}, .references = {}}, dir / "x"),
                       doctest::Contains("nothing to draw"), Error);
  auto plot = two_runs();
  plot.runs[1].anytime.top1[1] = std::nan("");
  CHECK_THROWS_WITH_AS(write_accuracy_plot(plot, dir / "x"),
                       doctest::Contains("msdnet's anytime points point 2"), Error);
  CHECK_FALSE(fs::exists(dir / "x.png"));
  fs::remove_all(dir);
}

TEST_CASE("plot: runs are read from chase eval's CSVs, references from label,mflops,top1") {
  const auto dir = fresh_dir("read");
  train::write_text_file(dir / "eval" / "anytime.csv",
                         "exit,mflops_msdnet,mflops_lazy,mflops_sequential,test_top1\n"
                         "1,1.5,1.0,1.5,91.25\n2,4.0,3.0,3.9,93.00\n");
  train::write_text_file(dir / "eval" / "budgeted.csv",
                         "p,mflops_msdnet,test_top1,val_mflops,val_top1\n"
                         "0.05,1.6,91.5,1.6,91.0\n\n1.95,3.8,93.1,3.8,92.9\n");
  auto run = read_plotted_run(dir, "mine", FlopsConvention::msdnet);
  CHECK(run.label == "mine");
  CHECK(run.anytime.mflops == std::vector<double>{1.5, 4.0});
  CHECK(run.anytime.top1 == std::vector<double>{91.25, 93.0});
  CHECK(run.budgeted.mflops == std::vector<double>{1.6, 3.8});
  // The lazy axis has anytime points but the budgeted curve was averaged in msdnet's.
  CHECK_THROWS_WITH_AS(read_plotted_run(dir, "mine", FlopsConvention::lazy),
                       doctest::Contains("--convention lazy"), Error);
  CHECK_THROWS_WITH_AS(read_plotted_run(dir / "none", "x", FlopsConvention::msdnet),
                       doctest::Contains("run chase eval --run"), Error);

  train::write_text_file(dir / "bad.csv", "label,mflops,top1\npaper,12,9x\n");
  CHECK_THROWS_WITH_AS(read_reference_points(dir / "bad.csv"),
                       doctest::Contains("line 2: column top1 holds '9x', not a finite number"),
                       Error);
  train::write_text_file(dir / "short.csv", "label,mflops\npaper,12\n");
  CHECK_THROWS_WITH_AS(read_reference_points(dir / "short.csv"), doctest::Contains("no column 'top1'"),
                       Error);
  train::write_text_file(dir / "ragged.csv", "label,mflops,top1\npaper,12\n");
  CHECK_THROWS_WITH_AS(read_reference_points(dir / "ragged.csv"),
                       doctest::Contains("line 2: 2 fields, the header has 3"), Error);
  train::write_text_file(dir / "ok.csv", "label,mflops,top1\r\nMSDNet (paper),15.1,93.6\r\n");
  const auto points = read_reference_points(dir / "ok.csv");
  REQUIRE(points.size() == 1);
  CHECK(points[0].label == "MSDNet (paper)");
  CHECK(points[0].mflops == 15.1);
  CHECK(points[0].top1 == 93.6);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chase::eval
