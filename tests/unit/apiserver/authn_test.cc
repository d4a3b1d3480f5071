#include "controlplane/apiserver/authn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/pki/x509.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver {
namespace {

using ::testing::ElementsAre;

TEST(TokenFileTest, ParsesUsersUidsAndQuotedGroups) {
  auto auth = TokenAuthenticator::parse(
      "s3cret,alice,uid-1,\"dev,ops\"\n"
      "\n"
      "t0ken,bob,uid-2\r\n"
      "other,carol,uid-3,single,extra-column\n");
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_EQ(auth->size(), 3u);
  auto alice = auth->authenticate("s3cret");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->uid, "uid-1");
  EXPECT_EQ(alice->groups, (std::vector<std::string>{"dev", "ops", "system:authenticated"}));
  auto bob = auth->authenticate("t0ken");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->groups, std::vector<std::string>{"system:authenticated"});
  EXPECT_EQ(auth->authenticate("other")->groups,
            (std::vector<std::string>{"single", "system:authenticated"}));
  EXPECT_FALSE(auth->authenticate("wrong").has_value());
  EXPECT_FALSE(auth->authenticate("").has_value());
}

TEST(TokenFileTest, BadLineIsNamed) {
  auto auth = TokenAuthenticator::parse("a,alice,1\nb,bob\n", "tokens.csv");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), EINVAL);
  EXPECT_NE(auth.status().message().find("tokens.csv line 2"), std::string::npos)
      << auth.status().message();
  EXPECT_NE(auth.status().message().find("at least 3 columns"), std::string::npos);

  auth = TokenAuthenticator::parse("a,alice,1\n\nc,carol,3,\"dev,ops\n", "tokens.csv");
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find("tokens.csv line 3"), std::string::npos)
      << auth.status().message();
  EXPECT_NE(auth.status().message().find("unterminated"), std::string::npos);
}

TEST(TokenFileTest, EmptyTokenIsSkippedAndLastDuplicateWins) {
  auto auth = TokenAuthenticator::parse(",nobody,0\nt,first,1\nt,second,2\n");
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_EQ(auth->size(), 1u);
  EXPECT_EQ(auth->authenticate("t")->name, "second");
}

TEST(TokenFileTest, LoadNamesThePath) {
  testing::TempDir dir;
  std::string path = dir.write("tokens.csv", "tok,alice,1,\"a,b\"\nbad\n");
  auto auth = TokenAuthenticator::load(path);
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find(path + " line 2"), std::string::npos);
  auto missing = TokenAuthenticator::load(dir.path() + "/missing.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ENOENT);
}

TEST(CsvTest, QuotesAndEscapes) {
  auto f = splitCsvRecord("a,\"b,c\",\"say \"\"hi\"\"\",");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (std::vector<std::string>{"a", "b,c", "say \"hi\"", ""}));
  EXPECT_FALSE(splitCsvRecord("a,b\"c").ok());
  EXPECT_FALSE(splitCsvRecord("\"a\"b").ok());
}

TEST(BearerTokenTest, ParsesTheHeader) {
  EXPECT_EQ(bearerToken("Bearer abc").value_or(""), "abc");
  EXPECT_EQ(bearerToken("bearer   abc ").value_or(""), "abc");
  EXPECT_FALSE(bearerToken("Basic abc").has_value());
  EXPECT_FALSE(bearerToken("Bearer ").has_value());
  EXPECT_FALSE(bearerToken("").has_value());
}

TEST(CertUserTest, UserIsCnAndGroupsAreEveryO) {
  auto ca = pki::createCa("test-ca");
  ASSERT_TRUE(ca.ok());
  auto cert = pki::issue(
      *ca, pki::CertRequest{
               .common_name = "alice", .organizations = {"dev", "system:masters"}, .client = true});
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  auto user = userFromCertificatePem(cert->cert_pem);
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->name, "alice");
  EXPECT_EQ(user->uid, "");
  EXPECT_EQ(user->groups,
            (std::vector<std::string>{"dev", "system:masters", "system:authenticated"}));
}

TEST(CertUserTest, CertificateWithoutOrganizationsHasOnlyTheAuthenticatedGroup) {
  auto ca = pki::createCa("test-ca");
  ASSERT_TRUE(ca.ok());
  auto cert = pki::issue(*ca, pki::CertRequest{.common_name = "system:node:n1", .client = true});
  ASSERT_TRUE(cert.ok());
  auto user = userFromCertificatePem(cert->cert_pem);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->name, "system:node:n1");
  EXPECT_THAT(user->groups, ElementsAre("system:authenticated"));
  EXPECT_FALSE(userFromCertificatePem("not a pem").ok());
}

}  // namespace
}  // namespace orch::apiserver
