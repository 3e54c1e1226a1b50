# nats-server built from the version go.mod requires, in an empty image. Same entrypoint as the
# official `nats` image, so docker-compose.yml can use either (NATS_IMAGE=nats:2.15).
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY nats-server /nats-server
# /data is the JetStream store; a named volume mounted there starts as a copy of this
# directory, so it belongs to the non-root user too.
COPY --chown=65532:65532 data /data
USER 65532:65532
EXPOSE 4222 6222 8222
ENTRYPOINT ["/nats-server"]
CMD ["--jetstream", "--store_dir", "/data"]
