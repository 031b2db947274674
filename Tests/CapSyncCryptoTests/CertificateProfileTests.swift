import CapSyncCrypto
import Foundation
import Testing

/// Issued certificates follow RFC 5280 as Protocol/tls.md describes them, checked by two verifiers we did not
/// write: `openssl verify` and Python `cryptography`'s X.509 parser and path validator.
@Suite struct CertificateProfileTests {
    @Test func issuedChainPassesOpenSSLAndPythonCryptography() throws {
        let directory = try TemporaryDirectory()
        let signing = try Ed25519PrivateKey(seed: [UInt8](repeating: 41, count: 32))
        let tls = try Ed25519PrivateKey(seed: [UInt8](repeating: 42, count: 32))
        try KeyFile.writeCertificate(
            try X509Certificate.selfSignedSigningCertificate(for: signing),
            to: directory.path("root.pem")
        )
        try KeyFile.writeCertificate(
            try X509Certificate.issueTLSCertificate(for: tls.publicKey, partner: "NO", signedBy: signing),
            to: directory.path("leaf.pem")
        )
        #expect(
            try OpenSSLTool.require(["verify", "-CAfile", "root.pem", "leaf.pem"], in: directory).contains(
                "leaf.pem: OK"
            )
        )

        // notBefore (2000) is a UTCTime, notAfter (9999) a GeneralizedTime (RFC 5280 §4.1.2.5).
        let parsed = try OpenSSLTool.require(["asn1parse", "-in", "leaf.pem"], in: directory)
        let times = parsed.split(separator: "\n").filter { $0.contains("UTCTIME") || $0.contains("GENERALIZEDTIME") }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).suffix(2).joined(separator: " ") }
        #expect(times == ["UTCTIME :000101000000Z", "GENERALIZEDTIME :99991231235959Z"], "\(times)")

        // Python cryptography parses strictly, checks the signature, the key identifiers and the names, then runs
        // its path validator. Its policy (the web PKI's) forbids Ed25519 keys outright, so the one failure it may
        // report is that one, after every structural check has passed.
        let script = """
            import datetime, sys
            from cryptography import x509
            from cryptography.x509.oid import ExtendedKeyUsageOID
            from cryptography.x509.verification import PolicyBuilder, Store
            root = x509.load_pem_x509_certificate(open("root.pem", "rb").read())
            leaf = x509.load_pem_x509_certificate(open("leaf.pem", "rb").read())
            root.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes)
            aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
            ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            assert aki == ski, "authority key identifier does not name the issuer"
            assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
            assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
            eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            assert ExtendedKeyUsageOID.CLIENT_AUTH in eku and ExtendedKeyUsageOID.SERVER_AUTH in eku
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["urn:capsync:partner:NO"]
            assert leaf.not_valid_before_utc.year == 2000 and leaf.not_valid_after_utc.year == 9999
            now = datetime.datetime(2026, 11, 28, tzinfo=datetime.timezone.utc)
            try:
                PolicyBuilder().store(Store([root])).time(now).build_client_verifier().verify(leaf, [])
                print("path validation: ok")
            except Exception as error:
                if "Forbidden public key algorithm" not in str(error):
                    sys.exit("path validation failed before the algorithm check: %s" % error)
                print("path validation: every check passed but the web-PKI policy's ban on Ed25519")
            """
        try directory.write("check.py", Array(script.utf8))
        let python = try OpenSSLTool.runCommand(["python3", "check.py"], in: directory)
        #expect(python.succeeded, "\(python.output)\(python.errorOutput)")
        #expect(python.output.contains("path validation:"))
    }
}
