import { describe, expect, it } from "vitest";
import { fipsSecurityProperties } from "./fips.js";

const jdk = [
  "# the JDK's providers",
  "security.provider.1=SUN",
  "security.provider.2=SunRsaSign",
  "security.provider.12=SunPKCS11",
  "securerandom.strongAlgorithms=NativePRNGBlocking:SUN,DRBG:SUN",
  "jdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, RC4",
  "keystore.type=pkcs12",
  "ssl.KeyManagerFactory.algorithm=SunX509",
  "#security.provider.13=commented",
].join("\n");

describe("fipsSecurityProperties", () => {
  it("replaces every JDK provider with BouncyCastle FIPS, its JSSE in FIPS mode and SUN, keeping the rest", () => {
    const props = fipsSecurityProperties(jdk).split("\n");
    expect(props.filter((l) => l.startsWith("security.provider."))).toStrictEqual([
      "security.provider.1=org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider",
      "security.provider.2=org.bouncycastle.jsse.provider.BouncyCastleJsseProvider fips:BCFIPS",
      "security.provider.3=SUN",
    ]);
    expect(props).toContain("jdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, RC4");
    expect(props).toContain("#security.provider.13=commented");
    expect(
      props.filter((l) => /^(keystore\.type|ssl\.KeyManagerFactory|securerandom\.strong)/.test(l)),
    ).toStrictEqual([
      "ssl.KeyManagerFactory.algorithm=PKIX",
      "securerandom.strongAlgorithms=DEFAULT:BCFIPS",
      "keystore.type=BCFKS",
    ]);
  });
});
