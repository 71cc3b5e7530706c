# Ward's image for docker-compose.yml. Runs the TypeScript sources through tsx (`npm start`).
FROM node:20-bookworm-slim

# mongodb-memory-server is a runtime dependency for the embedded default, but in a container the
# database is MONGODB_URI: skip its postinstall download of a mongod binary.
ENV NODE_ENV=production \
    MONGOMS_DISABLE_POSTINSTALL=1 \
    DATA_DIR=/var/lib/ward

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only what the server needs: copying the whole context could bake ./secrets or ./tls into a layer.
COPY tsconfig.json ./
COPY src ./src

# The named volume mounted here starts with this ownership, so the unprivileged user can write.
RUN mkdir -p /var/lib/ward && chown node:node /var/lib/ward

USER node
EXPOSE 8443
CMD ["npm", "start"]
