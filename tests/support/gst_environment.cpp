// Linked into every test binary that builds GStreamer elements (ds_unit_test(... GST)):
// initialises GStreamer once, before the first test.
#include <gst/gst.h>
#include <gtest/gtest.h>

namespace {

class GstEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(nullptr, nullptr); }
};

// gtest owns the environment; registration at static initialisation is its documented way.
[[maybe_unused]] const auto* const kGstEnvironment =
    ::testing::AddGlobalTestEnvironment(new GstEnvironment);

}  // namespace
