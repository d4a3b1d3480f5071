#include "common/netlink/sysctl.h"

#include <gtest/gtest.h>

#include "common/netlink/dump_retry.h"
#include "common/netlink/netns.h"

namespace orch::netlink {
namespace {

TEST(SysctlPathTest, DotsBecomeSlashes) {
  EXPECT_EQ(sysctlPath("net.ipv4.ip_forward").value(), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(sysctlPath("net.ipv6.conf.all.forwarding").value(),
            "/proc/sys/net/ipv6/conf/all/forwarding");
}

TEST(SysctlPathTest, SlashFormKeepsDotsInNames) {
  EXPECT_EQ(sysctlPath("net/ipv4/conf/eth0.100/rp_filter").value(),
            "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
}

TEST(SysctlPathTest, RejectsEscapesAndOtherTrees) {
  for (const char* bad : {"", "kernel.hostname", "net..ipv4", "net/../kernel/x", "net.ipv4.",
                          "/net/ipv4/ip_forward"}) {
    auto r = sysctlPath(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), EINVAL);
    }
  }
}

TEST(SysctlPathTest, InterfacePath) {
  EXPECT_EQ(interfaceSysctlPath(IpFamily::kV6, "eth0.100", "accept_dad").value(),
            "/proc/sys/net/ipv6/conf/eth0.100/accept_dad");
  EXPECT_EQ(interfaceSysctlPath(IpFamily::kV4, "veth1", "arp_notify").value(),
            "/proc/sys/net/ipv4/conf/veth1/arp_notify");
  EXPECT_FALSE(interfaceSysctlPath(IpFamily::kV4, "..", "arp_notify").ok());
  EXPECT_FALSE(interfaceSysctlPath(IpFamily::kV4, "a/b", "arp_notify").ok());
  EXPECT_FALSE(interfaceSysctlPath(IpFamily::kV4, "averylonginterfacename", "x").ok());
  EXPECT_FALSE(interfaceSysctlPath(IpFamily::kV4, "eth0", "../../x").ok());
}

TEST(SysctlTest, ReadsALiveValue) {
  // Readable without root in any namespace.
  auto v = readSysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(*v == "0" || *v == "1") << *v;
  auto missing = readSysctl("net.ipv4.no_such_knob");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ENOENT);
}

TEST(DumpRetryTest, RetriesOnlyInterruptedDumps) {
  int calls = 0;
  int rc = retryInterruptedDump([&] { return ++calls < 3 ? -NLE_DUMP_INTR : 0; });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(calls, 3);

  calls = 0;
  rc = retryInterruptedDump([&] {
    ++calls;
    return -NLE_NOMEM;
  });
  EXPECT_EQ(rc, -NLE_NOMEM);
  EXPECT_EQ(calls, 1);
}

TEST(DumpRetryTest, GivesUpAfterTheLimit) {
  int calls = 0;
  int rc = retryInterruptedDump(
      [&] {
        ++calls;
        return -NLE_DUMP_INTR;
      },
      4);
  EXPECT_EQ(rc, -NLE_DUMP_INTR);
  EXPECT_EQ(calls, 4);
}

TEST(NetNsPathTest, ValidatesNames) {
  EXPECT_EQ(NetNs::pathFor("pod1").value(), "/run/netns/pod1");
  for (const char* bad : {"", ".", "..", "a/b"}) EXPECT_FALSE(NetNs::pathFor(bad).ok()) << bad;
}

TEST(NetNsRunTest, RunsOnAnotherThreadInTheSameNamespace) {
  // setns() needs CAP_SYS_ADMIN even for our own namespace: without it, the failure
  // must come back as the fn's Result type (fn not called), not as a crash.
  auto cur = NetNs::current();
  ASSERT_TRUE(cur.ok()) << cur.status().message();
  auto r = cur->run([]() -> Result<int> { return 7; });
  if (r.ok()) {
    EXPECT_EQ(*r, 7);
  } else {
    EXPECT_EQ(r.status().code(), EPERM) << r.status().message();
  }
}

}  // namespace
}  // namespace orch::netlink
