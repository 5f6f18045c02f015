//! `wasi:http/incoming-handler` and `front`: a request in, the protocol's
//! answer out.

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasmflow_protocol::service::{self, Route};
use wasmflow_protocol::{HttpAnswer, ScoringError};

use crate::served::{self, served};
use crate::{Front, convert};

impl wasip2::exports::http::incoming_handler::Guest for Front {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let head = matches!(request.method(), Method::Head);
        let answer = answer(request);
        respond(response_out, answer, head);
    }
}

impl crate::bindings::exports::wasmflow::inference::front::Guest for Front {
    fn preload(model_dir: String, flavor: String, mlmodel: String) -> Result<(), String> {
        served::preload(&model_dir, &flavor, &mlmodel)
    }
}

fn answer(request: IncomingRequest) -> HttpAnswer {
    let method = match request.method() {
        Method::Get => "GET".to_string(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other,
    };
    let path_with_query = request.path_with_query().unwrap_or_default();
    let path = path_with_query.split('?').next().unwrap_or_default();
    let route = service::route(&method, path);
    if route == Route::Ping
        && let Err(error) = served()
    {
        // As MLflow: /ping is 404 while the model cannot be loaded.
        eprintln!("wasmflow: the model is not loaded: {error}");
        return HttpAnswer { status: 404, content_type: service::JSON, body: b"\n".to_vec() };
    }
    if let Some(answer) = service::fixed_answer(route) {
        return answer;
    }
    invocations(request).unwrap_or_else(|error| {
        if error.status() >= 500 {
            eprintln!("wasmflow: {error}");
        }
        error.to_response()
    })
}

/// `POST /invocations`.
fn invocations(request: IncomingRequest) -> Result<HttpAnswer, ScoringError> {
    let content_type = match request.headers().get("content-type").into_iter().next() {
        None => None,
        Some(value) => Some(
            String::from_utf8(value)
                .map_err(|e| ScoringError::UnsupportedContentType(String::from_utf8_lossy(e.as_bytes()).into()))?,
        ),
    };
    let body = read_body(request, max_body_size())?;
    let served = served()?;
    Ok(service::invoke(content_type.as_deref(), &body, served.signature.as_ref(), |input, params| {
        let output = served
            .model
            .predict(&convert::batch_to_wit(input), &convert::params_to_wit(params))
            .map_err(convert::error_from_wit)?;
        convert::batch_from_wit(output).map_err(ScoringError::Internal)
    }))
}

/// `WASMFLOW_MAX_BODY_SIZE`, as the native server's `--max-body-size`.
fn max_body_size() -> usize {
    std::env::var("WASMFLOW_MAX_BODY_SIZE").ok().and_then(|v| v.parse().ok()).unwrap_or(service::DEFAULT_MAX_BODY_SIZE)
}

/// The whole request body, refused past `limit` bytes.
fn read_body(request: IncomingRequest, limit: usize) -> Result<Vec<u8>, ScoringError> {
    let unreadable = |what: &str| ScoringError::bad_request(format!("cannot read the request body: {what}"));
    let incoming = request.consume().map_err(|()| unreadable("already consumed"))?;
    let stream = incoming.stream().map_err(|()| unreadable("no stream"))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                body.extend_from_slice(&chunk);
                if body.len() > limit {
                    return Err(ScoringError::PayloadTooLarge { limit });
                }
            }
            Err(wasip2::io::streams::StreamError::Closed) => break,
            Err(wasip2::io::streams::StreamError::LastOperationFailed(e)) => {
                return Err(unreadable(&e.to_debug_string()));
            }
        }
    }
    drop(stream);
    IncomingBody::finish(incoming);
    Ok(body)
}

/// Sends `answer` (no body for `HEAD`).
fn respond(out: ResponseOutparam, answer: HttpAnswer, head: bool) {
    let mut fields = vec![("content-type".to_string(), answer.content_type.as_bytes().to_vec())];
    if !head {
        // The host checks the body against it, so not for a HEAD answer's empty body.
        fields.push(("content-length".to_string(), answer.body.len().to_string().into_bytes()));
    }
    let headers = Fields::from_list(&fields).expect("valid header names");
    let response = OutgoingResponse::new(headers);
    response.set_status_code(answer.status).expect("a valid status");
    let body = response.body().expect("the body is taken once");
    ResponseOutparam::set(out, Ok(response));
    if !head {
        let mut stream = body.write().expect("the stream is taken once");
        if let Err(e) =
            std::io::Write::write_all(&mut stream, &answer.body).and_then(|()| std::io::Write::flush(&mut stream))
        {
            eprintln!("wasmflow: the client went away: {e}");
        }
    }
    if let Err(e) = OutgoingBody::finish(body, None) {
        eprintln!("wasmflow: cannot finish the response: {e:?}");
    }
}
