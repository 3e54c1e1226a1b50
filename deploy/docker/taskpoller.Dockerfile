# taskpoller worker: a static binary in an empty image. Built by deploy/images.sh from a context
# that holds only the binary, the host's CA bundle and passwd/group files; nothing is pulled.
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY taskpoller /taskpoller
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["/taskpoller"]
CMD ["run"]
