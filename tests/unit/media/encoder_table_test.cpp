// The encoder table (media/encoder_table.hpp) is the one place encoder names live: every row has
// a profile of its own with the row's codec, GPU rows upload to the GPU and software rows convert
// with libyuv, every fallback chain ends at x264enc, and a name outside the table is an error
// naming SELKIES_ENCODER, never a silent x264enc.
#include "media/encoder_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "media/encoder_profile.hpp"

namespace ds::media {
namespace {

TEST(EncoderTable, NamesAreUniqueAndAreSelkiesNames) {
  std::set<std::string_view> names;
  std::set<ProfileBuilder> builders;
  for (const auto& e : kEncoders) {
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate " << e.name;
    EXPECT_TRUE(builders.insert(e.builder).second) << e.name << " shares another row's builder";
    EXPECT_EQ(findEncoder(e.name), &e);
  }
  const auto& listed = selkiesEncoders();
  ASSERT_EQ(listed.size(), kEncoders.size());
  for (size_t i = 0; i < listed.size(); ++i) EXPECT_EQ(listed[i], kEncoders[i].name);
}

TEST(EncoderTable, EveryRowBuildsItsOwnProfileWithTheRowsCodec) {
  EncodeParams p;
  for (const auto& e : kEncoders) {
    const std::string name(e.name);
    auto profile = profileFor(name, p);
    ASSERT_TRUE(profile) << name << ": " << profile.error().message;
    EXPECT_EQ(profile->encoder, name);
    EXPECT_EQ(profile->codec, e.codec) << name;
    EXPECT_EQ(codecOf(e.name), e.codec);
    EXPECT_NE(profile->rtp_caps.find("encoding-name=" + std::string(e.codec)), std::string::npos)
        << name << ": " << profile->rtp_caps;
    ASSERT_FALSE(profile->pre.empty()) << name;
    const std::string& first = profile->pre.front().factory;
    if (e.hardware) {
      EXPECT_TRUE(first == "cudaupload" || first == "vapostproc")
          << name << " starts with " << first;
    } else {
      EXPECT_EQ(profile->pre.back().factory, "dsyuvconvert") << name;
    }
    EXPECT_EQ(e.hardware, name.rfind("nv", 0) == 0 || name.rfind("va", 0) == 0) << name;
  }
}

TEST(EncoderTable, EveryFallbackChainEndsAtX264) {
  for (const auto& e : kEncoders) {
    const std::vector<std::string> chain = fallbackChain(std::string(e.name));
    ASSERT_FALSE(chain.empty());
    EXPECT_EQ(chain.front(), e.name);
    EXPECT_EQ(chain.back(), "x264enc") << e.name;
    EXPECT_LE(chain.size(), 3u) << e.name;
    std::set<std::string> seen(chain.begin(), chain.end());
    EXPECT_EQ(seen.size(), chain.size()) << e.name << ": a name twice in its chain";
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
      const EncoderEntry* row = findEncoder(chain[i]);
      ASSERT_NE(row, nullptr) << chain[i];
      EXPECT_EQ(row->next, chain[i + 1]);
    }
    if (e.hardware && e.name != "vah264enc") EXPECT_EQ(chain[1], "vah264enc") << e.name;
    if (!e.hardware && e.name != "x264enc") EXPECT_EQ(chain.size(), 2u) << e.name;
  }
  EXPECT_EQ(findEncoder("x264enc")->next, "");
}

TEST(EncoderTable, AnUnknownNameIsAnErrorNamingTheVariable) {
  for (const char* name : {"vaapih264enc", "", "X264ENC", "x264"}) {
    auto profile = profileFor(name, {});
    ASSERT_FALSE(profile) << name << " silently became " << profile->encoder;
    EXPECT_NE(profile.error().message.find("SELKIES_ENCODER"), std::string::npos)
        << profile.error().message;
    EXPECT_NE(profile.error().message.find(std::string("\"") + name + "\""), std::string::npos)
        << profile.error().message;
    EXPECT_NE(profile.error().message.find("x264enc"), std::string::npos)
        << "the error lists the known names: " << profile.error().message;
    EXPECT_EQ(findEncoder(name), nullptr);
    EXPECT_EQ(codecOf(name), "");
    EXPECT_FALSE(hasProfile(name));
    EXPECT_EQ(fallbackChain(name), std::vector<std::string>{name}) << "no made-up fallback";
  }
}

}  // namespace
}  // namespace ds::media
