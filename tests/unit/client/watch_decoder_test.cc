#include "common/client/watch_decoder.h"

#include <gtest/gtest.h>

#include "common/api/codec.h"
#include "common/api/status.h"

namespace orch::client {
namespace {

const std::string kStream =
    R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"5"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"6"}}})"
    "\r\n"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"10"}}})"
    "\n"
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (10)","reason":"Expired","code":410}})j"
    "\n";

void expectStream(const std::vector<api::WatchEvent>& evs) {
  ASSERT_EQ(evs.size(), 5u);
  EXPECT_EQ(evs[0].type, "ADDED");
  EXPECT_EQ(evs[0].object["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(evs[1].type, "MODIFIED");
  EXPECT_EQ(evs[2].type, "BOOKMARK");
  EXPECT_EQ(evs[2].object["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(evs[3].type, "DELETED");
  EXPECT_EQ(evs[4].type, "ERROR");
  auto st = api::decode<api::ApiStatus>(evs[4].object);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->code, 410);
  EXPECT_EQ(st->reason, "Expired");
}

TEST(WatchDecoder, WholeStreamAtOnce) {
  WatchDecoder d;
  auto evs = d.feed(kStream);
  ASSERT_TRUE(evs.ok()) << evs.status().message();
  expectStream(*evs);
  EXPECT_EQ(d.pending(), 0u);
  EXPECT_TRUE(d.finish().isOk());
}

// Every split position, and byte-by-byte: the events come out the same.
TEST(WatchDecoder, SplitAtEveryBytePosition) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    WatchDecoder d;
    std::vector<api::WatchEvent> all;
    for (std::string_view part :
         {std::string_view(kStream).substr(0, cut), std::string_view(kStream).substr(cut)}) {
      auto evs = d.feed(part);
      ASSERT_TRUE(evs.ok()) << "cut " << cut << ": " << evs.status().message();
      for (auto& e : *evs) all.push_back(std::move(e));
    }
    expectStream(all);
  }
  WatchDecoder d;
  std::vector<api::WatchEvent> all;
  for (char c : kStream) {
    auto evs = d.feed(std::string_view(&c, 1));
    ASSERT_TRUE(evs.ok());
    for (auto& e : *evs) all.push_back(std::move(e));
  }
  expectStream(all);
}

TEST(WatchDecoder, PartialChunkIsHeldBack) {
  WatchDecoder d;
  auto evs = d.feed(R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"
                    "\n"
                    R"({"type":"MODI)");
  ASSERT_TRUE(evs.ok());
  EXPECT_EQ(evs->size(), 1u);
  EXPECT_GT(d.pending(), 0u);
  Status fin = d.finish();
  EXPECT_EQ(fin.code(), EINVAL);
  EXPECT_NE(fin.message().find("watch event 2"), std::string::npos) << fin.message();
  evs = d.feed(R"(FIED","object":{"metadata":{"name":"a"}}})"
               "\n");
  ASSERT_TRUE(evs.ok());
  ASSERT_EQ(evs->size(), 1u);
  EXPECT_EQ((*evs)[0].type, "MODIFIED");
  EXPECT_EQ(d.decoded(), 2u);
  EXPECT_TRUE(d.finish().isOk());
}

TEST(WatchDecoder, BadEventsAreErrorsNamingTheEvent) {
  {
    WatchDecoder d;
    auto evs = d.feed("{\"type\":\"ADDED\",\"object\":{}}\n{not json}\n");
    ASSERT_FALSE(evs.ok());
    EXPECT_EQ(evs.status().code(), EINVAL);
    EXPECT_NE(evs.status().message().find("watch event 2"), std::string::npos);
  }
  {
    WatchDecoder d;
    auto evs = d.feed("{\"type\":\"EXPLODED\",\"object\":{}}\n");
    ASSERT_FALSE(evs.ok());
    EXPECT_NE(evs.status().message().find("EXPLODED"), std::string::npos);
  }
  {
    WatchDecoder d;
    auto evs = d.feed("{\"type\":\"ADDED\"}\n");
    ASSERT_FALSE(evs.ok());
    EXPECT_NE(evs.status().message().find("object"), std::string::npos);
  }
}

}  // namespace
}  // namespace orch::client
