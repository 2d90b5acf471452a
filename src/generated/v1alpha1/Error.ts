// Original file: proto/v1alpha1/service.proto


export interface Error {
  'code'?: (string);
}

export interface Error__Output {
  'code': (string);
}
