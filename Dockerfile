# syntax=docker/dockerfile:1

# ---- build: compile TypeScript to dist/ -------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + compiled output, non-root ----------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded store (used when DYNAMODB_TABLE is unset) keeps its files here.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# GET /healthz on PORT is served in both Socket Mode and HTTP mode.
# slim images have no curl: ask node itself; PORT is read from the environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const r=require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/healthz',timeout:4000},(s)=>{s.resume();process.exit(s.statusCode>=200&&s.statusCode<300?0:1)});r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',()=>process.exit(1))"]
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=4", "dist/main.js"]
