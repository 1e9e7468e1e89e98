// Generated from src/config/schema.ts by scripts/generate-validators.ts. Do not edit.
// @ts-nocheck
import runtime_ucs2length from 'ajv/dist/runtime/ucs2length.js';
export const validate = validate10;
export default validate10;
const schema11 = {"type":"object","additionalProperties":false,"properties":{"node":{"type":"object","additionalProperties":false,"default":{},"properties":{"id":{"type":"integer","minimum":1,"maximum":4294967295,"default":1},"name":{"type":"string","minLength":1}}},"listener":{"type":"object","additionalProperties":false,"default":{},"properties":{"tcp":{"type":"object","additionalProperties":false,"default":{},"properties":{"enable":{"type":"boolean","default":true},"addr":{"type":"string","pattern":"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$","default":"0.0.0.0:1883"},"max_connections":{"type":"integer","minimum":1,"default":10000}}},"ws":{"type":"object","additionalProperties":false,"default":{},"properties":{"enable":{"type":"boolean","default":true},"addr":{"type":"string","pattern":"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$","default":"0.0.0.0:8080"},"max_connections":{"type":"integer","minimum":1,"default":5000},"path":{"type":"string","pattern":"^/","default":"/mqtt"}}},"tls":{"type":"object","additionalProperties":false,"default":{},"properties":{"enable":{"type":"boolean","default":false},"addr":{"type":"string","pattern":"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$","default":"0.0.0.0:8883"},"max_connections":{"type":"integer","minimum":1,"default":10000},"cert":{"type":"string","minLength":1},"key":{"type":"string","minLength":1},"ca":{"type":"string","minLength":1},"verify_peer":{"type":"boolean","default":false},"use_cn_as_username":{"type":"boolean","default":false}}},"wss":{"type":"object","additionalProperties":false,"default":{},"properties":{"enable":{"type":"boolean","default":false},"addr":{"type":"string","pattern":"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$","default":"0.0.0.0:8443"},"max_connections":{"type":"integer","minimum":1,"default":5000},"path":{"type":"string","pattern":"^/","default":"/mqtt"},"cert":{"type":"string","minLength":1},"key":{"type":"string","minLength":1},"ca":{"type":"string","minLength":1},"verify_peer":{"type":"boolean","default":false},"use_cn_as_username":{"type":"boolean","default":false}}}}},"mqtt":{"type":"object","additionalProperties":false,"default":{},"properties":{"max_inflight":{"type":"integer","minimum":1,"maximum":65535,"default":128},"max_mqueue_len":{"type":"integer","minimum":0,"default":1000},"max_subscriptions":{"type":"integer","minimum":0,"default":0},"session_expiry_interval":{"type":"string","pattern":"^(0|([0-9]+(ms|s|m|h|d|w))+)$","default":"2h"},"max_clientid_len":{"type":"integer","minimum":1,"maximum":65535,"default":65535},"max_keepalive":{"type":"integer","minimum":0,"maximum":65535,"default":0},"shared_subscription_strategy":{"enum":["round_robin","random"],"default":"round_robin"},"max_packet_size":{"type":"integer","minimum":64,"maximum":268435455,"default":1048576},"max_topic_filters_per_subscribe":{"type":"integer","minimum":1,"maximum":65535,"default":100},"receive_maximum":{"type":"integer","minimum":1,"maximum":65535,"default":1024},"max_topic_alias":{"type":"integer","minimum":0,"maximum":65535,"default":32},"server_keep_alive":{"type":"integer","minimum":0,"maximum":65535,"default":0},"max_qos_allowed":{"enum":[0,1,2],"default":2},"retain_available":{"type":"boolean","default":true},"wildcard_subscription_available":{"type":"boolean","default":true},"subscription_identifier_available":{"type":"boolean","default":true},"shared_subscription_available":{"type":"boolean","default":true},"response_information":{"type":"string","maxLength":65535,"default":""}}},"persistence":{"type":"object","additionalProperties":false,"default":{},"properties":{"type":{"enum":["level","memory"],"default":"level"},"data_dir":{"type":"string","minLength":1,"default":"./data"},"sync":{"type":"boolean","default":false},"repair":{"type":"boolean","default":false}}},"cluster":{"type":"object","additionalProperties":false,"default":{},"properties":{"type":{"enum":["none","redis"],"default":"none"},"redis_url":{"type":"string","pattern":"^rediss?://","default":"redis://127.0.0.1:6379"}}},"plugins":{"type":"object","additionalProperties":false,"default":{},"properties":{"dir":{"type":"string","minLength":1,"default":"./plugins"},"default_startups":{"type":"array","items":{"type":"string"},"default":["rmqtt-acl","rmqtt-counter","rmqtt-http-api"]}}},"log":{"type":"object","additionalProperties":false,"default":{},"properties":{"level":{"enum":["fatal","error","warn","info","debug","trace","silent"],"default":"warn"}}}}};
const func2 = runtime_ucs2length.default;
const func6 = Object.prototype.hasOwnProperty;
const pattern0 = new RegExp("^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$", "u");
const pattern2 = new RegExp("^/", "u");
const pattern6 = new RegExp("^(0|([0-9]+(ms|s|m|h|d|w))+)$", "u");
const pattern7 = new RegExp("^rediss?://", "u");

function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(errors === 0){
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.node === undefined){
data.node = {};
}
if(data.listener === undefined){
data.listener = {};
}
if(data.mqtt === undefined){
data.mqtt = {};
}
if(data.persistence === undefined){
data.persistence = {};
}
if(data.cluster === undefined){
data.cluster = {};
}
if(data.plugins === undefined){
data.plugins = {};
}
if(data.log === undefined){
data.log = {};
}
const _errs1 = errors;
for(const key0 in data){
if(!(((((((key0 === "node") || (key0 === "listener")) || (key0 === "mqtt")) || (key0 === "persistence")) || (key0 === "cluster")) || (key0 === "plugins")) || (key0 === "log"))){
validate10.errors = [{instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs1 === errors){
let data0 = data.node;
const _errs2 = errors;
if(errors === _errs2){
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(data0.id === undefined){
data0.id = 1;
}
const _errs4 = errors;
for(const key1 in data0){
if(!((key1 === "id") || (key1 === "name"))){
validate10.errors = [{instancePath:instancePath+"/node",schemaPath:"#/properties/node/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs4 === errors){
let data1 = data0.id;
const _errs5 = errors;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
validate10.errors = [{instancePath:instancePath+"/node/id",schemaPath:"#/properties/node/properties/id/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs5){
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 4294967295 || isNaN(data1)){
validate10.errors = [{instancePath:instancePath+"/node/id",schemaPath:"#/properties/node/properties/id/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295"}];
return false;
}
else {
if(data1 < 1 || isNaN(data1)){
validate10.errors = [{instancePath:instancePath+"/node/id",schemaPath:"#/properties/node/properties/id/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
}
var valid1 = _errs5 === errors;
if(valid1){
if(data0.name !== undefined){
let data2 = data0.name;
const _errs7 = errors;
if(errors === _errs7){
if(typeof data2 === "string"){
if(func2(data2) < 1){
validate10.errors = [{instancePath:instancePath+"/node/name",schemaPath:"#/properties/node/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/node/name",schemaPath:"#/properties/node/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid1 = _errs7 === errors;
}
else {
var valid1 = true;
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/node",schemaPath:"#/properties/node/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs2 === errors;
if(valid0){
let data3 = data.listener;
const _errs9 = errors;
if(errors === _errs9){
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(data3.tcp === undefined){
data3.tcp = {};
}
if(data3.ws === undefined){
data3.ws = {};
}
if(data3.tls === undefined){
data3.tls = {};
}
if(data3.wss === undefined){
data3.wss = {};
}
const _errs11 = errors;
for(const key2 in data3){
if(!((((key2 === "tcp") || (key2 === "ws")) || (key2 === "tls")) || (key2 === "wss"))){
validate10.errors = [{instancePath:instancePath+"/listener",schemaPath:"#/properties/listener/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs11 === errors){
let data4 = data3.tcp;
const _errs12 = errors;
if(errors === _errs12){
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
if(data4.enable === undefined){
data4.enable = true;
}
if(data4.addr === undefined){
data4.addr = "0.0.0.0:1883";
}
if(data4.max_connections === undefined){
data4.max_connections = 10000;
}
const _errs14 = errors;
for(const key3 in data4){
if(!(((key3 === "enable") || (key3 === "addr")) || (key3 === "max_connections"))){
validate10.errors = [{instancePath:instancePath+"/listener/tcp",schemaPath:"#/properties/listener/properties/tcp/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs14 === errors){
const _errs15 = errors;
if(typeof data4.enable !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/tcp/enable",schemaPath:"#/properties/listener/properties/tcp/properties/enable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid3 = _errs15 === errors;
if(valid3){
let data6 = data4.addr;
const _errs17 = errors;
if(errors === _errs17){
if(typeof data6 === "string"){
if(!pattern0.test(data6)){
validate10.errors = [{instancePath:instancePath+"/listener/tcp/addr",schemaPath:"#/properties/listener/properties/tcp/properties/addr/pattern",keyword:"pattern",params:{pattern: "^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"},message:"must match pattern \""+"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tcp/addr",schemaPath:"#/properties/listener/properties/tcp/properties/addr/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid3 = _errs17 === errors;
if(valid3){
let data7 = data4.max_connections;
const _errs19 = errors;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
validate10.errors = [{instancePath:instancePath+"/listener/tcp/max_connections",schemaPath:"#/properties/listener/properties/tcp/properties/max_connections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs19){
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 1 || isNaN(data7)){
validate10.errors = [{instancePath:instancePath+"/listener/tcp/max_connections",schemaPath:"#/properties/listener/properties/tcp/properties/max_connections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
var valid3 = _errs19 === errors;
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tcp",schemaPath:"#/properties/listener/properties/tcp/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid2 = _errs12 === errors;
if(valid2){
let data8 = data3.ws;
const _errs21 = errors;
if(errors === _errs21){
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(data8.enable === undefined){
data8.enable = true;
}
if(data8.addr === undefined){
data8.addr = "0.0.0.0:8080";
}
if(data8.max_connections === undefined){
data8.max_connections = 5000;
}
if(data8.path === undefined){
data8.path = "/mqtt";
}
const _errs23 = errors;
for(const key4 in data8){
if(!((((key4 === "enable") || (key4 === "addr")) || (key4 === "max_connections")) || (key4 === "path"))){
validate10.errors = [{instancePath:instancePath+"/listener/ws",schemaPath:"#/properties/listener/properties/ws/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs23 === errors){
const _errs24 = errors;
if(typeof data8.enable !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/ws/enable",schemaPath:"#/properties/listener/properties/ws/properties/enable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid4 = _errs24 === errors;
if(valid4){
let data10 = data8.addr;
const _errs26 = errors;
if(errors === _errs26){
if(typeof data10 === "string"){
if(!pattern0.test(data10)){
validate10.errors = [{instancePath:instancePath+"/listener/ws/addr",schemaPath:"#/properties/listener/properties/ws/properties/addr/pattern",keyword:"pattern",params:{pattern: "^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"},message:"must match pattern \""+"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/ws/addr",schemaPath:"#/properties/listener/properties/ws/properties/addr/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid4 = _errs26 === errors;
if(valid4){
let data11 = data8.max_connections;
const _errs28 = errors;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
validate10.errors = [{instancePath:instancePath+"/listener/ws/max_connections",schemaPath:"#/properties/listener/properties/ws/properties/max_connections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs28){
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 < 1 || isNaN(data11)){
validate10.errors = [{instancePath:instancePath+"/listener/ws/max_connections",schemaPath:"#/properties/listener/properties/ws/properties/max_connections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
var valid4 = _errs28 === errors;
if(valid4){
let data12 = data8.path;
const _errs30 = errors;
if(errors === _errs30){
if(typeof data12 === "string"){
if(!pattern2.test(data12)){
validate10.errors = [{instancePath:instancePath+"/listener/ws/path",schemaPath:"#/properties/listener/properties/ws/properties/path/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/ws/path",schemaPath:"#/properties/listener/properties/ws/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid4 = _errs30 === errors;
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/ws",schemaPath:"#/properties/listener/properties/ws/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid2 = _errs21 === errors;
if(valid2){
let data13 = data3.tls;
const _errs32 = errors;
if(errors === _errs32){
if(data13 && typeof data13 == "object" && !Array.isArray(data13)){
if(data13.enable === undefined){
data13.enable = false;
}
if(data13.addr === undefined){
data13.addr = "0.0.0.0:8883";
}
if(data13.max_connections === undefined){
data13.max_connections = 10000;
}
if(data13.verify_peer === undefined){
data13.verify_peer = false;
}
if(data13.use_cn_as_username === undefined){
data13.use_cn_as_username = false;
}
const _errs34 = errors;
for(const key5 in data13){
if(!((((((((key5 === "enable") || (key5 === "addr")) || (key5 === "max_connections")) || (key5 === "cert")) || (key5 === "key")) || (key5 === "ca")) || (key5 === "verify_peer")) || (key5 === "use_cn_as_username"))){
validate10.errors = [{instancePath:instancePath+"/listener/tls",schemaPath:"#/properties/listener/properties/tls/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs34 === errors){
const _errs35 = errors;
if(typeof data13.enable !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/tls/enable",schemaPath:"#/properties/listener/properties/tls/properties/enable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid5 = _errs35 === errors;
if(valid5){
let data15 = data13.addr;
const _errs37 = errors;
if(errors === _errs37){
if(typeof data15 === "string"){
if(!pattern0.test(data15)){
validate10.errors = [{instancePath:instancePath+"/listener/tls/addr",schemaPath:"#/properties/listener/properties/tls/properties/addr/pattern",keyword:"pattern",params:{pattern: "^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"},message:"must match pattern \""+"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tls/addr",schemaPath:"#/properties/listener/properties/tls/properties/addr/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid5 = _errs37 === errors;
if(valid5){
let data16 = data13.max_connections;
const _errs39 = errors;
if(!(((typeof data16 == "number") && (!(data16 % 1) && !isNaN(data16))) && (isFinite(data16)))){
validate10.errors = [{instancePath:instancePath+"/listener/tls/max_connections",schemaPath:"#/properties/listener/properties/tls/properties/max_connections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs39){
if((typeof data16 == "number") && (isFinite(data16))){
if(data16 < 1 || isNaN(data16)){
validate10.errors = [{instancePath:instancePath+"/listener/tls/max_connections",schemaPath:"#/properties/listener/properties/tls/properties/max_connections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
var valid5 = _errs39 === errors;
if(valid5){
if(data13.cert !== undefined){
let data17 = data13.cert;
const _errs41 = errors;
if(errors === _errs41){
if(typeof data17 === "string"){
if(func2(data17) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/tls/cert",schemaPath:"#/properties/listener/properties/tls/properties/cert/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tls/cert",schemaPath:"#/properties/listener/properties/tls/properties/cert/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid5 = _errs41 === errors;
}
else {
var valid5 = true;
}
if(valid5){
if(data13.key !== undefined){
let data18 = data13.key;
const _errs43 = errors;
if(errors === _errs43){
if(typeof data18 === "string"){
if(func2(data18) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/tls/key",schemaPath:"#/properties/listener/properties/tls/properties/key/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tls/key",schemaPath:"#/properties/listener/properties/tls/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid5 = _errs43 === errors;
}
else {
var valid5 = true;
}
if(valid5){
if(data13.ca !== undefined){
let data19 = data13.ca;
const _errs45 = errors;
if(errors === _errs45){
if(typeof data19 === "string"){
if(func2(data19) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/tls/ca",schemaPath:"#/properties/listener/properties/tls/properties/ca/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tls/ca",schemaPath:"#/properties/listener/properties/tls/properties/ca/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid5 = _errs45 === errors;
}
else {
var valid5 = true;
}
if(valid5){
const _errs47 = errors;
if(typeof data13.verify_peer !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/tls/verify_peer",schemaPath:"#/properties/listener/properties/tls/properties/verify_peer/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid5 = _errs47 === errors;
if(valid5){
const _errs49 = errors;
if(typeof data13.use_cn_as_username !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/tls/use_cn_as_username",schemaPath:"#/properties/listener/properties/tls/properties/use_cn_as_username/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid5 = _errs49 === errors;
}
}
}
}
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/tls",schemaPath:"#/properties/listener/properties/tls/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid2 = _errs32 === errors;
if(valid2){
let data22 = data3.wss;
const _errs51 = errors;
if(errors === _errs51){
if(data22 && typeof data22 == "object" && !Array.isArray(data22)){
if(data22.enable === undefined){
data22.enable = false;
}
if(data22.addr === undefined){
data22.addr = "0.0.0.0:8443";
}
if(data22.max_connections === undefined){
data22.max_connections = 5000;
}
if(data22.path === undefined){
data22.path = "/mqtt";
}
if(data22.verify_peer === undefined){
data22.verify_peer = false;
}
if(data22.use_cn_as_username === undefined){
data22.use_cn_as_username = false;
}
const _errs53 = errors;
for(const key6 in data22){
if(!(func6.call(schema11.properties.listener.properties.wss.properties, key6))){
validate10.errors = [{instancePath:instancePath+"/listener/wss",schemaPath:"#/properties/listener/properties/wss/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs53 === errors){
const _errs54 = errors;
if(typeof data22.enable !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/wss/enable",schemaPath:"#/properties/listener/properties/wss/properties/enable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid6 = _errs54 === errors;
if(valid6){
let data24 = data22.addr;
const _errs56 = errors;
if(errors === _errs56){
if(typeof data24 === "string"){
if(!pattern0.test(data24)){
validate10.errors = [{instancePath:instancePath+"/listener/wss/addr",schemaPath:"#/properties/listener/properties/wss/properties/addr/pattern",keyword:"pattern",params:{pattern: "^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"},message:"must match pattern \""+"^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss/addr",schemaPath:"#/properties/listener/properties/wss/properties/addr/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid6 = _errs56 === errors;
if(valid6){
let data25 = data22.max_connections;
const _errs58 = errors;
if(!(((typeof data25 == "number") && (!(data25 % 1) && !isNaN(data25))) && (isFinite(data25)))){
validate10.errors = [{instancePath:instancePath+"/listener/wss/max_connections",schemaPath:"#/properties/listener/properties/wss/properties/max_connections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs58){
if((typeof data25 == "number") && (isFinite(data25))){
if(data25 < 1 || isNaN(data25)){
validate10.errors = [{instancePath:instancePath+"/listener/wss/max_connections",schemaPath:"#/properties/listener/properties/wss/properties/max_connections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
var valid6 = _errs58 === errors;
if(valid6){
let data26 = data22.path;
const _errs60 = errors;
if(errors === _errs60){
if(typeof data26 === "string"){
if(!pattern2.test(data26)){
validate10.errors = [{instancePath:instancePath+"/listener/wss/path",schemaPath:"#/properties/listener/properties/wss/properties/path/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss/path",schemaPath:"#/properties/listener/properties/wss/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid6 = _errs60 === errors;
if(valid6){
if(data22.cert !== undefined){
let data27 = data22.cert;
const _errs62 = errors;
if(errors === _errs62){
if(typeof data27 === "string"){
if(func2(data27) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/wss/cert",schemaPath:"#/properties/listener/properties/wss/properties/cert/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss/cert",schemaPath:"#/properties/listener/properties/wss/properties/cert/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid6 = _errs62 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data22.key !== undefined){
let data28 = data22.key;
const _errs64 = errors;
if(errors === _errs64){
if(typeof data28 === "string"){
if(func2(data28) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/wss/key",schemaPath:"#/properties/listener/properties/wss/properties/key/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss/key",schemaPath:"#/properties/listener/properties/wss/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid6 = _errs64 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data22.ca !== undefined){
let data29 = data22.ca;
const _errs66 = errors;
if(errors === _errs66){
if(typeof data29 === "string"){
if(func2(data29) < 1){
validate10.errors = [{instancePath:instancePath+"/listener/wss/ca",schemaPath:"#/properties/listener/properties/wss/properties/ca/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss/ca",schemaPath:"#/properties/listener/properties/wss/properties/ca/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid6 = _errs66 === errors;
}
else {
var valid6 = true;
}
if(valid6){
const _errs68 = errors;
if(typeof data22.verify_peer !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/wss/verify_peer",schemaPath:"#/properties/listener/properties/wss/properties/verify_peer/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid6 = _errs68 === errors;
if(valid6){
const _errs70 = errors;
if(typeof data22.use_cn_as_username !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/listener/wss/use_cn_as_username",schemaPath:"#/properties/listener/properties/wss/properties/use_cn_as_username/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid6 = _errs70 === errors;
}
}
}
}
}
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener/wss",schemaPath:"#/properties/listener/properties/wss/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid2 = _errs51 === errors;
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/listener",schemaPath:"#/properties/listener/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs9 === errors;
if(valid0){
let data32 = data.mqtt;
const _errs72 = errors;
if(errors === _errs72){
if(data32 && typeof data32 == "object" && !Array.isArray(data32)){
if(data32.max_inflight === undefined){
data32.max_inflight = 128;
}
if(data32.max_mqueue_len === undefined){
data32.max_mqueue_len = 1000;
}
if(data32.max_subscriptions === undefined){
data32.max_subscriptions = 0;
}
if(data32.session_expiry_interval === undefined){
data32.session_expiry_interval = "2h";
}
if(data32.max_clientid_len === undefined){
data32.max_clientid_len = 65535;
}
if(data32.max_keepalive === undefined){
data32.max_keepalive = 0;
}
if(data32.shared_subscription_strategy === undefined){
data32.shared_subscription_strategy = "round_robin";
}
if(data32.max_packet_size === undefined){
data32.max_packet_size = 1048576;
}
if(data32.max_topic_filters_per_subscribe === undefined){
data32.max_topic_filters_per_subscribe = 100;
}
if(data32.receive_maximum === undefined){
data32.receive_maximum = 1024;
}
if(data32.max_topic_alias === undefined){
data32.max_topic_alias = 32;
}
if(data32.server_keep_alive === undefined){
data32.server_keep_alive = 0;
}
if(data32.max_qos_allowed === undefined){
data32.max_qos_allowed = 2;
}
if(data32.retain_available === undefined){
data32.retain_available = true;
}
if(data32.wildcard_subscription_available === undefined){
data32.wildcard_subscription_available = true;
}
if(data32.subscription_identifier_available === undefined){
data32.subscription_identifier_available = true;
}
if(data32.shared_subscription_available === undefined){
data32.shared_subscription_available = true;
}
if(data32.response_information === undefined){
data32.response_information = "";
}
const _errs74 = errors;
for(const key7 in data32){
if(!(func6.call(schema11.properties.mqtt.properties, key7))){
validate10.errors = [{instancePath:instancePath+"/mqtt",schemaPath:"#/properties/mqtt/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs74 === errors){
let data33 = data32.max_inflight;
const _errs75 = errors;
if(!(((typeof data33 == "number") && (!(data33 % 1) && !isNaN(data33))) && (isFinite(data33)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_inflight",schemaPath:"#/properties/mqtt/properties/max_inflight/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs75){
if((typeof data33 == "number") && (isFinite(data33))){
if(data33 > 65535 || isNaN(data33)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_inflight",schemaPath:"#/properties/mqtt/properties/max_inflight/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data33 < 1 || isNaN(data33)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_inflight",schemaPath:"#/properties/mqtt/properties/max_inflight/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
}
var valid7 = _errs75 === errors;
if(valid7){
let data34 = data32.max_mqueue_len;
const _errs77 = errors;
if(!(((typeof data34 == "number") && (!(data34 % 1) && !isNaN(data34))) && (isFinite(data34)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_mqueue_len",schemaPath:"#/properties/mqtt/properties/max_mqueue_len/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs77){
if((typeof data34 == "number") && (isFinite(data34))){
if(data34 < 0 || isNaN(data34)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_mqueue_len",schemaPath:"#/properties/mqtt/properties/max_mqueue_len/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid7 = _errs77 === errors;
if(valid7){
let data35 = data32.max_subscriptions;
const _errs79 = errors;
if(!(((typeof data35 == "number") && (!(data35 % 1) && !isNaN(data35))) && (isFinite(data35)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_subscriptions",schemaPath:"#/properties/mqtt/properties/max_subscriptions/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs79){
if((typeof data35 == "number") && (isFinite(data35))){
if(data35 < 0 || isNaN(data35)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_subscriptions",schemaPath:"#/properties/mqtt/properties/max_subscriptions/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid7 = _errs79 === errors;
if(valid7){
let data36 = data32.session_expiry_interval;
const _errs81 = errors;
if(errors === _errs81){
if(typeof data36 === "string"){
if(!pattern6.test(data36)){
validate10.errors = [{instancePath:instancePath+"/mqtt/session_expiry_interval",schemaPath:"#/properties/mqtt/properties/session_expiry_interval/pattern",keyword:"pattern",params:{pattern: "^(0|([0-9]+(ms|s|m|h|d|w))+)$"},message:"must match pattern \""+"^(0|([0-9]+(ms|s|m|h|d|w))+)$"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/mqtt/session_expiry_interval",schemaPath:"#/properties/mqtt/properties/session_expiry_interval/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid7 = _errs81 === errors;
if(valid7){
let data37 = data32.max_clientid_len;
const _errs83 = errors;
if(!(((typeof data37 == "number") && (!(data37 % 1) && !isNaN(data37))) && (isFinite(data37)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_clientid_len",schemaPath:"#/properties/mqtt/properties/max_clientid_len/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs83){
if((typeof data37 == "number") && (isFinite(data37))){
if(data37 > 65535 || isNaN(data37)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_clientid_len",schemaPath:"#/properties/mqtt/properties/max_clientid_len/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data37 < 1 || isNaN(data37)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_clientid_len",schemaPath:"#/properties/mqtt/properties/max_clientid_len/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
}
var valid7 = _errs83 === errors;
if(valid7){
let data38 = data32.max_keepalive;
const _errs85 = errors;
if(!(((typeof data38 == "number") && (!(data38 % 1) && !isNaN(data38))) && (isFinite(data38)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_keepalive",schemaPath:"#/properties/mqtt/properties/max_keepalive/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs85){
if((typeof data38 == "number") && (isFinite(data38))){
if(data38 > 65535 || isNaN(data38)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_keepalive",schemaPath:"#/properties/mqtt/properties/max_keepalive/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data38 < 0 || isNaN(data38)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_keepalive",schemaPath:"#/properties/mqtt/properties/max_keepalive/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
}
var valid7 = _errs85 === errors;
if(valid7){
let data39 = data32.shared_subscription_strategy;
const _errs87 = errors;
if(!((data39 === "round_robin") || (data39 === "random"))){
validate10.errors = [{instancePath:instancePath+"/mqtt/shared_subscription_strategy",schemaPath:"#/properties/mqtt/properties/shared_subscription_strategy/enum",keyword:"enum",params:{allowedValues: schema11.properties.mqtt.properties.shared_subscription_strategy.enum},message:"must be equal to one of the allowed values"}];
return false;
}
var valid7 = _errs87 === errors;
if(valid7){
let data40 = data32.max_packet_size;
const _errs88 = errors;
if(!(((typeof data40 == "number") && (!(data40 % 1) && !isNaN(data40))) && (isFinite(data40)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_packet_size",schemaPath:"#/properties/mqtt/properties/max_packet_size/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs88){
if((typeof data40 == "number") && (isFinite(data40))){
if(data40 > 268435455 || isNaN(data40)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_packet_size",schemaPath:"#/properties/mqtt/properties/max_packet_size/maximum",keyword:"maximum",params:{comparison: "<=", limit: 268435455},message:"must be <= 268435455"}];
return false;
}
else {
if(data40 < 64 || isNaN(data40)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_packet_size",schemaPath:"#/properties/mqtt/properties/max_packet_size/minimum",keyword:"minimum",params:{comparison: ">=", limit: 64},message:"must be >= 64"}];
return false;
}
}
}
}
var valid7 = _errs88 === errors;
if(valid7){
let data41 = data32.max_topic_filters_per_subscribe;
const _errs90 = errors;
if(!(((typeof data41 == "number") && (!(data41 % 1) && !isNaN(data41))) && (isFinite(data41)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_filters_per_subscribe",schemaPath:"#/properties/mqtt/properties/max_topic_filters_per_subscribe/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs90){
if((typeof data41 == "number") && (isFinite(data41))){
if(data41 > 65535 || isNaN(data41)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_filters_per_subscribe",schemaPath:"#/properties/mqtt/properties/max_topic_filters_per_subscribe/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data41 < 1 || isNaN(data41)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_filters_per_subscribe",schemaPath:"#/properties/mqtt/properties/max_topic_filters_per_subscribe/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
}
var valid7 = _errs90 === errors;
if(valid7){
let data42 = data32.receive_maximum;
const _errs92 = errors;
if(!(((typeof data42 == "number") && (!(data42 % 1) && !isNaN(data42))) && (isFinite(data42)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/receive_maximum",schemaPath:"#/properties/mqtt/properties/receive_maximum/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs92){
if((typeof data42 == "number") && (isFinite(data42))){
if(data42 > 65535 || isNaN(data42)){
validate10.errors = [{instancePath:instancePath+"/mqtt/receive_maximum",schemaPath:"#/properties/mqtt/properties/receive_maximum/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data42 < 1 || isNaN(data42)){
validate10.errors = [{instancePath:instancePath+"/mqtt/receive_maximum",schemaPath:"#/properties/mqtt/properties/receive_maximum/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"}];
return false;
}
}
}
}
var valid7 = _errs92 === errors;
if(valid7){
let data43 = data32.max_topic_alias;
const _errs94 = errors;
if(!(((typeof data43 == "number") && (!(data43 % 1) && !isNaN(data43))) && (isFinite(data43)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_alias",schemaPath:"#/properties/mqtt/properties/max_topic_alias/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs94){
if((typeof data43 == "number") && (isFinite(data43))){
if(data43 > 65535 || isNaN(data43)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_alias",schemaPath:"#/properties/mqtt/properties/max_topic_alias/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data43 < 0 || isNaN(data43)){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_topic_alias",schemaPath:"#/properties/mqtt/properties/max_topic_alias/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
}
var valid7 = _errs94 === errors;
if(valid7){
let data44 = data32.server_keep_alive;
const _errs96 = errors;
if(!(((typeof data44 == "number") && (!(data44 % 1) && !isNaN(data44))) && (isFinite(data44)))){
validate10.errors = [{instancePath:instancePath+"/mqtt/server_keep_alive",schemaPath:"#/properties/mqtt/properties/server_keep_alive/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs96){
if((typeof data44 == "number") && (isFinite(data44))){
if(data44 > 65535 || isNaN(data44)){
validate10.errors = [{instancePath:instancePath+"/mqtt/server_keep_alive",schemaPath:"#/properties/mqtt/properties/server_keep_alive/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"}];
return false;
}
else {
if(data44 < 0 || isNaN(data44)){
validate10.errors = [{instancePath:instancePath+"/mqtt/server_keep_alive",schemaPath:"#/properties/mqtt/properties/server_keep_alive/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
}
var valid7 = _errs96 === errors;
if(valid7){
let data45 = data32.max_qos_allowed;
const _errs98 = errors;
if(!(((data45 === 0) || (data45 === 1)) || (data45 === 2))){
validate10.errors = [{instancePath:instancePath+"/mqtt/max_qos_allowed",schemaPath:"#/properties/mqtt/properties/max_qos_allowed/enum",keyword:"enum",params:{allowedValues: schema11.properties.mqtt.properties.max_qos_allowed.enum},message:"must be equal to one of the allowed values"}];
return false;
}
var valid7 = _errs98 === errors;
if(valid7){
const _errs99 = errors;
if(typeof data32.retain_available !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/mqtt/retain_available",schemaPath:"#/properties/mqtt/properties/retain_available/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid7 = _errs99 === errors;
if(valid7){
const _errs101 = errors;
if(typeof data32.wildcard_subscription_available !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/mqtt/wildcard_subscription_available",schemaPath:"#/properties/mqtt/properties/wildcard_subscription_available/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid7 = _errs101 === errors;
if(valid7){
const _errs103 = errors;
if(typeof data32.subscription_identifier_available !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/mqtt/subscription_identifier_available",schemaPath:"#/properties/mqtt/properties/subscription_identifier_available/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid7 = _errs103 === errors;
if(valid7){
const _errs105 = errors;
if(typeof data32.shared_subscription_available !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/mqtt/shared_subscription_available",schemaPath:"#/properties/mqtt/properties/shared_subscription_available/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid7 = _errs105 === errors;
if(valid7){
let data50 = data32.response_information;
const _errs107 = errors;
if(errors === _errs107){
if(typeof data50 === "string"){
if(func2(data50) > 65535){
validate10.errors = [{instancePath:instancePath+"/mqtt/response_information",schemaPath:"#/properties/mqtt/properties/response_information/maxLength",keyword:"maxLength",params:{limit: 65535},message:"must NOT have more than 65535 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/mqtt/response_information",schemaPath:"#/properties/mqtt/properties/response_information/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid7 = _errs107 === errors;
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/mqtt",schemaPath:"#/properties/mqtt/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs72 === errors;
if(valid0){
let data51 = data.persistence;
const _errs109 = errors;
if(errors === _errs109){
if(data51 && typeof data51 == "object" && !Array.isArray(data51)){
if(data51.type === undefined){
data51.type = "level";
}
if(data51.data_dir === undefined){
data51.data_dir = "./data";
}
if(data51.sync === undefined){
data51.sync = false;
}
if(data51.repair === undefined){
data51.repair = false;
}
const _errs111 = errors;
for(const key8 in data51){
if(!((((key8 === "type") || (key8 === "data_dir")) || (key8 === "sync")) || (key8 === "repair"))){
validate10.errors = [{instancePath:instancePath+"/persistence",schemaPath:"#/properties/persistence/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs111 === errors){
let data52 = data51.type;
const _errs112 = errors;
if(!((data52 === "level") || (data52 === "memory"))){
validate10.errors = [{instancePath:instancePath+"/persistence/type",schemaPath:"#/properties/persistence/properties/type/enum",keyword:"enum",params:{allowedValues: schema11.properties.persistence.properties.type.enum},message:"must be equal to one of the allowed values"}];
return false;
}
var valid8 = _errs112 === errors;
if(valid8){
let data53 = data51.data_dir;
const _errs113 = errors;
if(errors === _errs113){
if(typeof data53 === "string"){
if(func2(data53) < 1){
validate10.errors = [{instancePath:instancePath+"/persistence/data_dir",schemaPath:"#/properties/persistence/properties/data_dir/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/persistence/data_dir",schemaPath:"#/properties/persistence/properties/data_dir/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid8 = _errs113 === errors;
if(valid8){
const _errs115 = errors;
if(typeof data51.sync !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/persistence/sync",schemaPath:"#/properties/persistence/properties/sync/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid8 = _errs115 === errors;
if(valid8){
const _errs117 = errors;
if(typeof data51.repair !== "boolean"){
validate10.errors = [{instancePath:instancePath+"/persistence/repair",schemaPath:"#/properties/persistence/properties/repair/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid8 = _errs117 === errors;
}
}
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/persistence",schemaPath:"#/properties/persistence/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs109 === errors;
if(valid0){
let data56 = data.cluster;
const _errs119 = errors;
if(errors === _errs119){
if(data56 && typeof data56 == "object" && !Array.isArray(data56)){
if(data56.type === undefined){
data56.type = "none";
}
if(data56.redis_url === undefined){
data56.redis_url = "redis://127.0.0.1:6379";
}
const _errs121 = errors;
for(const key9 in data56){
if(!((key9 === "type") || (key9 === "redis_url"))){
validate10.errors = [{instancePath:instancePath+"/cluster",schemaPath:"#/properties/cluster/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs121 === errors){
let data57 = data56.type;
const _errs122 = errors;
if(!((data57 === "none") || (data57 === "redis"))){
validate10.errors = [{instancePath:instancePath+"/cluster/type",schemaPath:"#/properties/cluster/properties/type/enum",keyword:"enum",params:{allowedValues: schema11.properties.cluster.properties.type.enum},message:"must be equal to one of the allowed values"}];
return false;
}
var valid9 = _errs122 === errors;
if(valid9){
let data58 = data56.redis_url;
const _errs123 = errors;
if(errors === _errs123){
if(typeof data58 === "string"){
if(!pattern7.test(data58)){
validate10.errors = [{instancePath:instancePath+"/cluster/redis_url",schemaPath:"#/properties/cluster/properties/redis_url/pattern",keyword:"pattern",params:{pattern: "^rediss?://"},message:"must match pattern \""+"^rediss?://"+"\""}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/cluster/redis_url",schemaPath:"#/properties/cluster/properties/redis_url/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid9 = _errs123 === errors;
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/cluster",schemaPath:"#/properties/cluster/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs119 === errors;
if(valid0){
let data59 = data.plugins;
const _errs125 = errors;
if(errors === _errs125){
if(data59 && typeof data59 == "object" && !Array.isArray(data59)){
if(data59.dir === undefined){
data59.dir = "./plugins";
}
if(data59.default_startups === undefined){
data59.default_startups = ["rmqtt-acl","rmqtt-counter","rmqtt-http-api"];
}
const _errs127 = errors;
for(const key10 in data59){
if(!((key10 === "dir") || (key10 === "default_startups"))){
validate10.errors = [{instancePath:instancePath+"/plugins",schemaPath:"#/properties/plugins/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs127 === errors){
let data60 = data59.dir;
const _errs128 = errors;
if(errors === _errs128){
if(typeof data60 === "string"){
if(func2(data60) < 1){
validate10.errors = [{instancePath:instancePath+"/plugins/dir",schemaPath:"#/properties/plugins/properties/dir/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"}];
return false;
}
}
else {
validate10.errors = [{instancePath:instancePath+"/plugins/dir",schemaPath:"#/properties/plugins/properties/dir/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
}
var valid10 = _errs128 === errors;
if(valid10){
let data61 = data59.default_startups;
const _errs130 = errors;
if(errors === _errs130){
if(Array.isArray(data61)){
var valid11 = true;
const len0 = data61.length;
for(let i0=0; i0<len0; i0++){
const _errs132 = errors;
if(typeof data61[i0] !== "string"){
validate10.errors = [{instancePath:instancePath+"/plugins/default_startups/" + i0,schemaPath:"#/properties/plugins/properties/default_startups/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid11 = _errs132 === errors;
if(!valid11){
break;
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/plugins/default_startups",schemaPath:"#/properties/plugins/properties/default_startups/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid10 = _errs130 === errors;
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/plugins",schemaPath:"#/properties/plugins/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs125 === errors;
if(valid0){
let data63 = data.log;
const _errs134 = errors;
if(errors === _errs134){
if(data63 && typeof data63 == "object" && !Array.isArray(data63)){
if(data63.level === undefined){
data63.level = "warn";
}
const _errs136 = errors;
for(const key11 in data63){
if(!(key11 === "level")){
validate10.errors = [{instancePath:instancePath+"/log",schemaPath:"#/properties/log/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key11},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs136 === errors){
let data64 = data63.level;
if(!(((((((data64 === "fatal") || (data64 === "error")) || (data64 === "warn")) || (data64 === "info")) || (data64 === "debug")) || (data64 === "trace")) || (data64 === "silent"))){
validate10.errors = [{instancePath:instancePath+"/log/level",schemaPath:"#/properties/log/properties/level/enum",keyword:"enum",params:{allowedValues: schema11.properties.log.properties.level.enum},message:"must be equal to one of the allowed values"}];
return false;
}
}
}
else {
validate10.errors = [{instancePath:instancePath+"/log",schemaPath:"#/properties/log/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs134 === errors;
}
}
}
}
}
}
}
}
else {
validate10.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
validate10.errors = vErrors;
return errors === 0;
}

