/**
 * Some 590 content words (no stop words) of the kind BrainOps memories hold: operations,
 * engineering, product and business notes. The memory-store benchmark builds titles, bodies and
 * tags from them, so full-text search has realistic, overlapping vocabulary to rank.
 */
const WORDS = `
  account acknowledge action activity adapter address adjust admin advisory agent aggregate alert
  algorithm allocation analysis analytics anomaly answer api approval archive argument assistant
  attachment attempt audit authentication authorization automation availability backend backlog
  backoff backup balance bandwidth baseline batch benchmark billing binary blocker boundary branch
  breach browser bucket budget buffer build bundle business cache calendar campaign canary capacity
  catalog category certificate change channel charge chart checkout checkpoint cleanup client
  cluster code cohort collection column command comment commit compliance component compression
  concurrency config configuration conflict connection consensus consistency console constraint
  consumer container context contract conversion cookie coordinator cost counter coverage crash
  credential cron cursor customer dashboard database deadline deadlock debug decision decryption
  default degradation delay delete delivery demand dependency deploy deployment design detail
  developer device diagnosis diff digest dimension disk dispatch display distribution dns docker
  document domain download downtime draft driver duration dynamic edge editor email embedding
  encryption endpoint engine engineer enterprise entity environment error escalation estimate event
  eviction exception execution expansion experiment expiry export extension failover failure
  feature feedback fetch field file filter firewall fix flag fleet flow forecast fork format
  framework frontend funnel gateway generator gpu grant graph growth handler handoff hardware hash
  header health heartbeat heap hook host hotfix identity idle image import incident index
  infrastructure ingestion insight install instance integration interface interval inventory
  invoice issue job journal kafka kernel key kubernetes label lag latency launch layer lead lease
  ledger library license lifecycle limit link listener load locale lock log login lookup loop
  machine maintenance manifest mapping margin marketing memory merge message metadata metric
  migration milestone mirror mobile model module monitor mutation namespace network node
  notification object observability offset onboarding operator optimization order orchestration
  outage output owner package pagination parameter parser partition partner password patch payload
  payment peak performance permission persistence pipeline platform plugin policy poller pool
  portal postgres prediction preference pricing priority privacy probe process procurement product
  profile program project prompt protocol provider proxy publish query queue quota rate ratio
  reader rebalance receipt recovery redirect redundancy refactor refund region registry regression
  release reliability reminder render renewal replica replication report repository request
  requirement reservation reset resolution resource response restart restore result retention
  retry revenue review revision risk roadmap role rollback rollout rotation route router rule
  runbook runtime sandbox scaling schedule schema scope score script search secret security
  segment selector sensor sentiment sequence server service session shard signal signature
  simulation snapshot socket software source specification spike sprint stack staging stakeholder
  standard state statement status storage strategy stream subscription summary supplier support
  survey switch sync system table target task team telemetry template tenant terminal test thread
  threshold throttle throughput ticket timeline timeout timer token topic trace traffic
  transaction transcript transfer transform trend trial trigger tuning upgrade upload uptime usage
  user validation value variable vendor version video view violation visibility volume vulnerability
  warehouse warning webhook window worker workflow workload workspace write zone acme alpha
  anchor apex arctic aurora beacon birch cobalt comet coral crimson delta ember falcon fjord
  garnet glacier granite harbor hazel horizon indigo iris jade juniper lagoon lantern lumen
  maple marble meadow meteor mosaic nebula nimbus oasis onyx orbit pebble phoenix pine prism
  quartz raven reef ridge saffron sapphire sierra spruce summit tundra umber vertex willow zenith
  accurate agile async broken careful cheap clean cold critical daily delayed dirty durable early
  efficient empty expensive external failed fast fragile fresh frozen global hidden idempotent
  internal late legacy local manual missing monthly nightly noisy optional parallel partial pending
  primary private public quarterly quick random rare readonly remote robust secondary secure silent
  slow stable stale strict sudden temporary unknown urgent weekly
`;

export const VOCABULARY: readonly string[] = Object.freeze([...new Set(WORDS.split(/\s+/).filter(Boolean))]);
