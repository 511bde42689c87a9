import { Module } from '@nestjs/common';

/** The hub link and device registry; its gRPC servers (hub link 50051, internal 50052) arrive with the device issue. */
@Module({})
export class DeviceModule {}
