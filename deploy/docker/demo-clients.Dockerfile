# The demo's clients: task-producer, export-consumer and ops-alerts, static binaries in one
# empty image. docker-compose.yml picks the program with `entrypoint`.
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY task-producer export-consumer ops-alerts /
USER 65532:65532
ENTRYPOINT ["/task-producer"]
