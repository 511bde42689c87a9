 
// Original file: proto/lattice/test/v1/echo.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  EchoReply as _lattice_test_v1_EchoReply,
  EchoReply__Output as _lattice_test_v1_EchoReply__Output,
} from '../../../lattice/test/v1/EchoReply.js';
import type {
  EchoRequest as _lattice_test_v1_EchoRequest,
  EchoRequest__Output as _lattice_test_v1_EchoRequest__Output,
} from '../../../lattice/test/v1/EchoRequest.js';

export interface EchoClient extends grpc.Client {
  Chat(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_test_v1_EchoRequest, _lattice_test_v1_EchoReply__Output>;
  Chat(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_test_v1_EchoRequest, _lattice_test_v1_EchoReply__Output>;
  chat(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_test_v1_EchoRequest, _lattice_test_v1_EchoReply__Output>;
  chat(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_test_v1_EchoRequest, _lattice_test_v1_EchoReply__Output>;

  Collect(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  Collect(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  Collect(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  Collect(
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  collect(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  collect(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  collect(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;
  collect(
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientWritableStream<_lattice_test_v1_EchoRequest>;

  Count(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lattice_test_v1_EchoReply__Output>;
  Count(
    argument: _lattice_test_v1_EchoRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lattice_test_v1_EchoReply__Output>;
  count(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lattice_test_v1_EchoReply__Output>;
  count(
    argument: _lattice_test_v1_EchoRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lattice_test_v1_EchoReply__Output>;

  Relay(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Relay(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Relay(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Relay(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  relay(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  relay(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  relay(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  relay(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;

  Say(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Say(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Say(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Say(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  say(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  say(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  say(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  say(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;

  Write(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Write(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Write(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  Write(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  write(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  write(
    argument: _lattice_test_v1_EchoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  write(
    argument: _lattice_test_v1_EchoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
  write(
    argument: _lattice_test_v1_EchoRequest,
    callback: grpc.requestCallback<_lattice_test_v1_EchoReply__Output>,
  ): grpc.ClientUnaryCall;
}

export interface EchoHandlers extends grpc.UntypedServiceImplementation {
  Chat: grpc.handleBidiStreamingCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;

  Collect: grpc.handleClientStreamingCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;

  Count: grpc.handleServerStreamingCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;

  Relay: grpc.handleUnaryCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;

  Say: grpc.handleUnaryCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;

  Write: grpc.handleUnaryCall<_lattice_test_v1_EchoRequest__Output, _lattice_test_v1_EchoReply>;
}

export interface EchoDefinition extends grpc.ServiceDefinition {
  Chat: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
  Collect: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
  Count: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
  Relay: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
  Say: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
  Write: MethodDefinition<
    _lattice_test_v1_EchoRequest,
    _lattice_test_v1_EchoReply,
    _lattice_test_v1_EchoRequest__Output,
    _lattice_test_v1_EchoReply__Output
  >;
}
