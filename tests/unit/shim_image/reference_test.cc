#include "runtime-shim/image/reference.h"

#include <gtest/gtest.h>

#include "runtime-shim/image/image_store.h"

namespace orch::shim {
namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(NormalizeReference, MatchesContainerd) {
  const std::pair<std::string, std::string> cases[] = {
      {"busybox", "docker.io/library/busybox:latest"},
      {"busybox:1.36", "docker.io/library/busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox:latest"},
      {"docker.io/busybox", "docker.io/library/busybox:latest"},
      {"docker.io/library/busybox:latest", "docker.io/library/busybox:latest"},
      {"index.docker.io/library/busybox", "docker.io/library/busybox:latest"},
      {"index.docker.io/busybox:1", "docker.io/library/busybox:1"},
      {"foo/bar", "docker.io/foo/bar:latest"},
      {"foo/bar/baz:v1", "docker.io/foo/bar/baz:v1"},
      {"registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"},
      {"quay.io/coreos/etcd", "quay.io/coreos/etcd:latest"},
      {"localhost/foo", "localhost/foo:latest"},
      {"localhost:5000/foo/bar:v1", "localhost:5000/foo/bar:v1"},
      {"127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest"},
      {"[::1]:5000/busybox:x", "[::1]:5000/busybox:x"},
      {"Example.com/foo", "Example.com/foo:latest"},
      {"a.b-c.d:1/x_y__z.w-v:T_a.g-1", "a.b-c.d:1/x_y__z.w-v:T_a.g-1"},
      {"busybox@sha256:" + kHex, "docker.io/library/busybox@sha256:" + kHex},
      {"busybox:1.0@sha256:" + kHex, "docker.io/library/busybox@sha256:" + kHex},
      {"myhost:5000/busybox@sha256:" + kHex, "myhost:5000/busybox@sha256:" + kHex},
      {"foo/bar@sha256:" + kHex, "docker.io/foo/bar@sha256:" + kHex},
  };
  for (const auto& [in, want] : cases) {
    auto got = normalizeReference(in);
    ASSERT_TRUE(got.ok()) << in << ": " << got.status().message();
    EXPECT_EQ(*got, want) << in;
  }
}

TEST(NormalizeReference, RejectsMalformed) {
  const std::string cases[] = {
      "",
      "BusyBox",
      "busybox:",
      ":tag",
      "busybox@sha256:abc",
      "busybox@md5:" + kHex,
      "-foo",
      "foo/",
      "foo//bar",
      "foo/Bar",
      kHex,
      "busybox:" + std::string(129, 't'),
      "busybox:-tag",
      "a/../b",
      "host:port/x",
      std::string(256, 'a'),
  };
  for (const auto& in : cases) {
    auto got = normalizeReference(in);
    EXPECT_FALSE(got.ok()) << "\"" << in << "\" gave " << (got.ok() ? *got : "");
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), EINVAL) << in;
    }
  }
}

TEST(ParseReference, SplitsParts) {
  auto r = parseReference("localhost:5000/team/app:v2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->domain, "localhost:5000");
  EXPECT_EQ(r->path, "team/app");
  EXPECT_EQ(r->tag, "v2");
  EXPECT_EQ(r->digest, "");
  EXPECT_EQ(r->name(), "localhost:5000/team/app");
  EXPECT_EQ(r->withDigest("sha256:" + kHex), "localhost:5000/team/app@sha256:" + kHex);
  auto d = parseReference("busybox@sha256:" + kHex);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->domain, "docker.io");
  EXPECT_EQ(d->path, "library/busybox");
  EXPECT_EQ(d->tag, "");
  EXPECT_EQ(d->digest, "sha256:" + kHex);
}

}  // namespace
}  // namespace orch::shim
