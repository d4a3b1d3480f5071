// ClusterIP / NodePort allocators over SqliteStore in a temp dir.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/api/json_io.h"
#include "controlplane/apiserver/allocator/allocation_bitmap.h"
#include "controlplane/apiserver/allocator/node_port_allocator.h"
#include "controlplane/apiserver/allocator/range_allocator.h"
#include "controlplane/apiserver/allocator/service_ip_allocator.h"
#include "controlplane/store/sqlite_store.h"
#include "support/temp_dir.h"

namespace orch::apiserver {
namespace {

using namespace std::chrono_literals;

constexpr const char* kIpKey = "/registry/ranges/serviceips";
constexpr const char* kPortKey = "/registry/ranges/servicenodeports";

class AllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::SqliteStore::open({.path = dir_.path() + "/store.db",
                                       .sync = store::SqliteStore::Sync::kNormal,
                                       .compaction_interval = 0ms});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }
  ServiceIpAllocator ips(std::string_view cidr) {
    auto a = ServiceIpAllocator::create(*store_, cidr, kIpKey);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return std::move(a).value();
  }

  orch::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
};

TEST(AllocationBitmapTest, EncodesAsUpstreamsBigInt) {
  AllocationBitmap bm(20);
  EXPECT_EQ(bm.toBytes(), "");
  bm.set(0);
  EXPECT_EQ(bm.toBytes(), std::string("\x01", 1));
  bm.set(9);  // 2^9 + 1 = 0x0201, big-endian, minimal
  EXPECT_EQ(bm.toBytes(), std::string("\x02\x01", 2));
  auto back = AllocationBitmap::fromBytes(bm.toBytes(), 20);
  EXPECT_TRUE(back.test(0) && back.test(9));
  EXPECT_EQ(back.count(), 2u);
  // Bits beyond a (shrunken) size are dropped.
  EXPECT_EQ(AllocationBitmap::fromBytes(bm.toBytes(), 5).count(), 1u);
}

TEST(AllocationBitmapTest, FirstClearWrapsAround) {
  AllocationBitmap bm(130);
  for (uint64_t i = 0; i < 130; ++i) bm.set(i);
  EXPECT_FALSE(bm.firstClearFrom(7).has_value());
  bm.clear(3);
  EXPECT_EQ(bm.firstClearFrom(100), 3u);
  bm.clear(129);
  EXPECT_EQ(bm.firstClearFrom(100), 129u);
  EXPECT_EQ(bm.firstClearFrom(3), 3u);
}

TEST(AllocationBitmapTest, FirstClearInABand) {
  AllocationBitmap bm(100);
  EXPECT_EQ(bm.firstClearIn(10, 20, 15), 15u);
  EXPECT_EQ(bm.firstClearIn(10, 20, 3), 13u);  // start taken modulo the band
  for (uint64_t i = 10; i < 20; ++i) bm.set(i);
  EXPECT_FALSE(bm.firstClearIn(10, 20, 12).has_value());
  bm.clear(11);
  EXPECT_EQ(bm.firstClearIn(10, 20, 12), 11u);  // wraps to the band's start
  EXPECT_FALSE(bm.firstClearIn(20, 20, 0).has_value());
  EXPECT_EQ(bm.firstClearIn(90, 500, 95), 95u);  // hi is capped at size
}

TEST_F(AllocatorTest, DynamicAllocationLeavesTheStaticSubrangeForLast) {
  // A /24: upstream's static band is min(max(16, 256/16), 256) = 16 addresses, .1 to .16.
  auto a = ips("10.0.0.0/24");
  ASSERT_TRUE(a.allocate("10.0.0.10").isOk());  // the static band serves explicit requests
  auto octet = [](const std::string& ip) { return std::stoi(ip.substr(ip.rfind('.') + 1)); };
  for (int i = 0; i < 254 - 16; ++i) {
    auto ip = a.allocateNext();
    ASSERT_TRUE(ip.ok()) << ip.status().message();
    EXPECT_GT(octet(*ip), 16) << *ip;
  }
  std::set<int> low;
  for (int i = 0; i < 15; ++i) {
    auto ip = a.allocateNext();
    ASSERT_TRUE(ip.ok()) << ip.status().message();
    low.insert(octet(*ip));
  }
  std::set<int> want;
  for (int o = 1; o <= 16; ++o) {
    if (o != 10) want.insert(o);
  }
  EXPECT_EQ(low, want);
  EXPECT_EQ(a.allocateNext().status().code(), ENOSPC);

  // Ports: 100 ports leave min(max(16, 100/32), 128) = 16 for explicit requests.
  auto p = NodePortAllocator::create(*store_, "30000-30099", kPortKey);
  ASSERT_TRUE(p.ok());
  for (int i = 0; i < 84; ++i) {
    auto port = p->allocateNext();
    ASSERT_TRUE(port.ok());
    EXPECT_GE(*port, 30016);
  }
  auto port = p->allocateNext();
  ASSERT_TRUE(port.ok());
  EXPECT_LT(*port, 30016);
}

TEST_F(AllocatorTest, AllocatesAllOfASlash29ThenIsFull) {
  auto a = ips("10.0.0.0/29");
  EXPECT_EQ(a.family(), 4);
  EXPECT_EQ(a.cidr(), "10.0.0.0/29");
  EXPECT_EQ(a.size(), 6u);
  std::set<std::string> got;
  for (int i = 0; i < 6; ++i) {
    auto ip = a.allocateNext();
    ASSERT_TRUE(ip.ok()) << ip.status().message();
    EXPECT_TRUE(got.insert(*ip).second) << *ip;
  }
  EXPECT_EQ(got, std::set<std::string>(
                     {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  auto full = a.allocateNext();
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), ENOSPC);
  EXPECT_EQ(full.status().context(), "range is full");
  // Release and reuse.
  ASSERT_TRUE(a.release("10.0.0.4").isOk());
  ASSERT_TRUE(a.release("10.0.0.4").isOk());  // idempotent
  EXPECT_FALSE(*a.has("10.0.0.4"));
  auto again = a.allocateNext();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "10.0.0.4");
  EXPECT_EQ(*a.used(), 6u);
}

TEST_F(AllocatorTest, AllocateSpecificAndUpstreamMessages) {
  auto a = ips("10.96.0.0/12");
  EXPECT_EQ(a.size(), (1u << 20) - 2);
  ASSERT_TRUE(a.allocate("10.96.0.10").isOk());
  EXPECT_TRUE(*a.has("10.96.0.10"));
  Status dup = a.allocate("10.96.0.10");
  EXPECT_EQ(dup.code(), EEXIST);
  EXPECT_EQ(dup.context(), "provided IP is already allocated");
  Status out = a.allocate("10.112.0.1");
  EXPECT_EQ(out.code(), ERANGE);
  EXPECT_EQ(out.context(),
            "the provided IP (10.112.0.1) is not in the valid range. The range of valid IPs is "
            "10.96.0.0/12");
  EXPECT_EQ(a.allocate("10.96.0.0").code(), ERANGE);       // network
  EXPECT_EQ(a.allocate("10.111.255.255").code(), ERANGE);  // broadcast
  ASSERT_TRUE(a.allocate("10.111.255.254").isOk());        // the last usable one
  EXPECT_EQ(a.allocate("fd00::1").code(), ERANGE);
  EXPECT_EQ(a.allocate("not-an-ip").code(), EINVAL);
  EXPECT_EQ(a.allocate("10.96.0.300").code(), EINVAL);
  EXPECT_TRUE(a.contains("10.100.1.2"));
  EXPECT_FALSE(a.contains("10.96.0.0"));
  EXPECT_FALSE(a.contains("192.168.0.1"));
  EXPECT_TRUE(a.release("192.168.0.1").isOk());  // outside: ignored, as upstream
  EXPECT_EQ(a.release("bogus").code(), EINVAL);
  EXPECT_FALSE(*a.has("192.168.0.1"));
}

TEST_F(AllocatorTest, StoredAsARangeAllocationObject) {
  auto a = ips("10.0.0.0/29");
  ASSERT_TRUE(a.allocate("10.0.0.1").isOk());  // offset 0
  ASSERT_TRUE(a.allocate("10.0.0.3").isOk());  // offset 2
  auto kv = store_->get(kIpKey);
  ASSERT_TRUE(kv.ok());
  auto j = api::Json::parse(kv->value);
  EXPECT_EQ(j["kind"], "RangeAllocation");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["range"], "10.0.0.0/29");
  EXPECT_EQ(j["data"], api::base64Encode(std::string("\x05", 1)));
}

TEST_F(AllocatorTest, IPv6RangesAndLimits) {
  auto a = ips("fd00:10:96::/112");
  EXPECT_EQ(a.family(), 6);
  EXPECT_EQ(a.size(), 65535u);  // only the network address is reserved
  ASSERT_TRUE(a.allocate("fd00:10:96::ffff").isOk());
  EXPECT_EQ(a.allocate("fd00:10:96::").code(), ERANGE);
  auto ip = a.allocateNext();
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(a.contains(*ip));
  EXPECT_TRUE(ip->starts_with("fd00:10:96::")) << *ip;

  // A /108 is allowed but capped to 65536 addresses, as upstream.
  auto big = ServiceIpAllocator::create(*store_, "fd00:20::/108", "/registry/ranges/v6");
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->size(), 65535u);
  EXPECT_TRUE(big->contains("fd00:20::ffff"));
  EXPECT_FALSE(big->contains("fd00:20::1:0"));
  EXPECT_EQ(big->allocate("fd00:20::1:0").code(), ERANGE);

  auto too_big = ServiceIpAllocator::create(*store_, "fd00:20::/107", "/k");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), EINVAL);
  EXPECT_NE(too_big.status().context().find("the mask must be >= 108"), std::string::npos)
      << too_big.status().context();
  auto v4_too_big = ServiceIpAllocator::create(*store_, "10.0.0.0/11", "/k");
  ASSERT_FALSE(v4_too_big.ok());
  EXPECT_NE(v4_too_big.status().context().find("the mask must be >= 12"), std::string::npos);
}

TEST_F(AllocatorTest, CidrParsing) {
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0/24", "x/24", "10.0.0.0/2a", "fd00::/129",
        "10.0.0.0/31", "10.0.0.0/32", "fd00::/127", ""}) {
    auto a = ServiceIpAllocator::create(*store_, bad, "/k");
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().code(), EINVAL) << bad;
  }
  // Host bits are masked, as Go's ParseCIDR does.
  auto a = ServiceIpAllocator::create(*store_, "10.96.3.4/12", "/k");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->cidr(), "10.96.0.0/12");
  auto s30 = ServiceIpAllocator::create(*store_, "10.0.0.0/30", "/k30");
  ASSERT_TRUE(s30.ok());
  EXPECT_EQ(s30->size(), 2u);
}

TEST_F(AllocatorTest, ReconcileMakesExactlyTheseAllocated) {
  auto a = ips("10.0.0.0/29");
  ASSERT_TRUE(a.allocate("10.0.0.1").isOk());
  ASSERT_TRUE(a.allocate("10.0.0.2").isOk());
  ASSERT_TRUE(a.reconcile({"10.0.0.2", "10.0.0.5"}).isOk());
  EXPECT_FALSE(*a.has("10.0.0.1"));
  EXPECT_TRUE(*a.has("10.0.0.2"));
  EXPECT_TRUE(*a.has("10.0.0.5"));
  EXPECT_EQ(*a.used(), 2u);
  // Out of range: rejected, nothing written.
  EXPECT_EQ(a.reconcile({"10.0.0.3", "10.1.0.1"}).code(), ERANGE);
  EXPECT_FALSE(*a.has("10.0.0.3"));
  EXPECT_EQ(*a.used(), 2u);
}

TEST_F(AllocatorTest, AChangedRangeIsDetectedAndRepairedByReconcile) {
  {
    auto a = ips("10.0.0.0/29");
    ASSERT_TRUE(a.allocate("10.0.0.1").isOk());
  }
  auto b = ips("10.0.0.0/28");
  Status st = b.allocate("10.0.0.9");
  EXPECT_EQ(st.code(), EINVAL);
  EXPECT_NE(st.context().find("does not match the current range (10.0.0.0/29)"), std::string::npos)
      << st.context();
  EXPECT_FALSE(b.allocateNext().ok());
  ASSERT_TRUE(b.reconcile({"10.0.0.1"}).isOk());
  EXPECT_TRUE(*b.has("10.0.0.1"));
  ASSERT_TRUE(b.allocate("10.0.0.9").isOk());
  auto kv = store_->get(kIpKey);
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(api::Json::parse(kv->value)["range"], "10.0.0.0/28");
}

TEST_F(AllocatorTest, CorruptStoredValueIsAnError) {
  ASSERT_TRUE(store_->create(kIpKey, "{not json").ok());
  auto a = ips("10.0.0.0/29");
  EXPECT_EQ(a.allocateNext().status().code(), EIO);
  Status rec = a.reconcile({});
  ASSERT_TRUE(rec.isOk()) << rec.message();  // repair rewrites it
  EXPECT_TRUE(a.allocateNext().ok());
}

TEST_F(AllocatorTest, TwoInstancesOnOneStoreNeverHandOutTheSameIp) {
  // Two "apiservers" on one store, 8 threads each, until the range is full.
  auto a = ips("10.0.0.0/24");
  auto b = ips("10.0.0.0/24");
  std::mutex mu;
  std::vector<std::string> got;
  int full = 0;
  std::vector<Status> errors;
  auto worker = [&](ServiceIpAllocator& alloc) {
    for (;;) {
      auto ip = alloc.allocateNext();
      std::lock_guard lock(mu);
      if (!ip.ok()) {
        if (ip.status().code() == ENOSPC) {
          ++full;
        } else {
          errors.push_back(ip.status());
        }
        return;
      }
      got.push_back(*ip);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back(worker, std::ref(a));
    threads.emplace_back(worker, std::ref(b));
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ADD_FAILURE() << e.message();
  EXPECT_EQ(full, 16);
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "an IP was handed out twice";
  EXPECT_EQ(got.size(), 254u);
  EXPECT_EQ(*a.used(), 254u);
}

TEST(PortRangeTest, ParsesUpstreamForms) {
  auto r = parsePortRange("30000-32767");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base, 30000);
  EXPECT_EQ(r->size, 2768);
  EXPECT_EQ(r->toString(), "30000-32767");
  auto plus = parsePortRange("30000+9");
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(plus->toString(), "30000-30009");
  auto single = parsePortRange(" 30500 ");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->size, 1);
  for (const char* bad : {"", "abc", "30000-", "-1", "30000-70000", "32767-30000", "30000-31000+5",
                          "30000+40000", "3e4-32767", "30000 - 32767x"}) {
    auto p = parsePortRange(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), EINVAL) << bad;
    EXPECT_TRUE(
        p.status().context().starts_with("unable to parse port range \"" + std::string(bad) + "\""))
        << p.status().context();
  }
  EXPECT_NE(parsePortRange("32767-30000").status().context().find("less than start port"),
            std::string::npos);
}

TEST_F(AllocatorTest, NodePortsAllocateReleaseAndMessages) {
  auto bad = NodePortAllocator::create(*store_, "30000-", kPortKey);
  EXPECT_EQ(bad.status().code(), EINVAL);
  auto a = NodePortAllocator::create(*store_, "30000-30004", kPortKey);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->range(), "30000-30004");
  ASSERT_TRUE(a->allocate(30002).isOk());
  Status dup = a->allocate(30002);
  EXPECT_EQ(dup.code(), EEXIST);
  EXPECT_EQ(dup.context(), "provided port is already allocated");
  Status out = a->allocate(32768);
  EXPECT_EQ(out.code(), ERANGE);
  EXPECT_EQ(out.context(),
            "provided port is not in the valid range. The range of valid ports is 30000-30004");
  std::set<int> got = {30002};
  for (int i = 0; i < 4; ++i) {
    auto p = a->allocateNext();
    ASSERT_TRUE(p.ok()) << p.status().message();
    EXPECT_TRUE(got.insert(*p).second);
  }
  EXPECT_EQ(got, std::set<int>({30000, 30001, 30002, 30003, 30004}));
  EXPECT_EQ(a->allocateNext().status().context(), "range is full");
  ASSERT_TRUE(a->release(30003).isOk());
  ASSERT_TRUE(a->release(30003).isOk());
  ASSERT_TRUE(a->release(80).isOk());
  EXPECT_EQ(*a->allocateNext(), 30003);
  ASSERT_TRUE(a->reconcile({30000, 30004}).isOk());
  EXPECT_EQ(*a->used(), 2u);
  EXPECT_TRUE(*a->has(30004));
  EXPECT_FALSE(*a->has(30003));
  EXPECT_EQ(a->reconcile({29999}).code(), ERANGE);
  auto kv = store_->get(kPortKey);
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(api::Json::parse(kv->value)["range"], "30000-30004");
}

TEST_F(AllocatorTest, RangeAllocatorBasics) {
  RangeAllocator r(*store_, "/registry/ranges/test", "0-2", 3);
  EXPECT_FALSE(*r.has(1));
  EXPECT_EQ(r.allocate(3).code(), ERANGE);
  ASSERT_TRUE(r.allocate(1).isOk());
  EXPECT_EQ(r.allocate(1).code(), EEXIST);
  EXPECT_EQ(r.allocate(1).context(), "already allocated");
  EXPECT_TRUE(*r.has(1));
  EXPECT_TRUE(r.release(7).isOk());
  std::set<uint64_t> got = {1};
  for (int i = 0; i < 2; ++i) got.insert(*r.allocateNext());
  EXPECT_EQ(got, std::set<uint64_t>({0, 1, 2}));
  EXPECT_EQ(r.allocateNext().status().code(), ENOSPC);
  EXPECT_EQ(r.reconcile({5}).code(), ERANGE);
  ASSERT_TRUE(r.reconcile({}).isOk());
  EXPECT_EQ(*r.used(), 0u);
}

}  // namespace
}  // namespace orch::apiserver
