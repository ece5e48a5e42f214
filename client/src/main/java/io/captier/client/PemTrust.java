package io.captier.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/**
 * An {@link SSLContext} that trusts exactly the certificates of a PEM file, for
 * {@link CaptierClient.Builder#sslContext(SSLContext)}: the dev NGINX's self-signed
 * certificate ({@code scripts/dev-cert}), or a private CA. Host names are still verified
 * against the certificate (the dev certificate names {@code localhost} and {@code 127.0.0.1}).
 */
public final class PemTrust {

    private PemTrust() {
    }

    /**
     * @param pem a file with one or more PEM ({@code -----BEGIN CERTIFICATE-----}) certificates
     * @return a TLS context whose only trust anchors are those certificates
     * @throws IOException              when the file cannot be read
     * @throws GeneralSecurityException when it holds no certificate or one that cannot be parsed
     */
    public static SSLContext sslContext(Path pem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + pem);
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates) {
            trust.setCertificateEntry("trusted-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
