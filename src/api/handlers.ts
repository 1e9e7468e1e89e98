// The handler of every operation of spec/openapi.yaml, keyed by operationId. The `Handlers`
// type makes a missing one a compile error; createBackend also refuses to start without it.
// One module per API tag.
import type { Handlers } from './types.ts';
import { list_apis } from './endpoints.ts';
import { list_brokers, get_brokers } from './brokers.ts';
import { list_nodes, get_nodes } from './nodes.ts';
import { search_clients, delete_clients, get_client, kick_client, check_online, get_client_mqueue, get_client_inflight } from './clients.ts';
import { list_retains, get_retain, delete_retain, delete_retain_by_query } from './retained.ts';
import { list_banned, add_ban, delete_ban, delete_ban_by_query } from './banned.ts';
import { stream_events } from './events.ts';
import { query_subscriptions, get_client_subscriptions } from './subscriptions.ts';
import { get_routes, get_route } from './routes.ts';
import { publish, subscribe, unsubscribe } from './mqtt.ts';
import { list_stats, get_stats, get_stats_sum } from './stats.ts';
import { all_plugins, node_plugins, node_plugin_info, node_plugin_config, node_plugin_config_reload, node_plugin_load, node_plugin_unload } from './plugins.ts';
import { get_health, get_health_ready } from './health.ts';
import { get_docs, get_docs_script, get_openapi_json, get_openapi_yaml } from './docs.ts';
import { list_metrics, get_metrics, get_metrics_sum, get_prometheus_metrics, get_prometheus_node_metrics, get_prometheus_metrics_sum } from './metrics.ts';

export const handlers: Handlers = {
  list_apis,
  list_brokers, get_brokers,
  list_nodes, get_nodes,
  search_clients, delete_clients, get_client, kick_client, check_online, get_client_mqueue, get_client_inflight,
  query_subscriptions, get_client_subscriptions,
  get_routes, get_route,
  publish, subscribe, unsubscribe,
  all_plugins, node_plugins, node_plugin_info, node_plugin_config, node_plugin_config_reload, node_plugin_load, node_plugin_unload,
  list_stats, get_stats, get_stats_sum,
  list_metrics, get_metrics, get_metrics_sum,
  get_prometheus_metrics, get_prometheus_node_metrics, get_prometheus_metrics_sum,
  get_health, get_health_ready,
  list_retains, get_retain, delete_retain, delete_retain_by_query,
  list_banned, add_ban, delete_ban, delete_ban_by_query,
  stream_events,
  get_openapi_json, get_openapi_yaml, get_docs, get_docs_script,
};
