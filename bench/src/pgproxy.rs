//! A counting PostgreSQL proxy: listens on a local port, forwards every
//! connection to the real server, and records the SQL of each simple Query
//! (`Q`) and each extended-protocol Execute (`E`, with the text of the
//! statement it runs, from its `P`arse). It answers an SSL or GSS encryption
//! request itself with "no", so the traffic it reads is plain. This counts
//! the statements remodel sends without any hook in remodel or any setting
//! on the server.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The statements seen, in order.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// A copy of the statements so far.
    pub fn statements(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// A running proxy.
pub struct Proxy {
    /// The local port to connect to instead of the server's.
    pub port: u16,
    /// What it saw.
    pub log: Log,
}

/// Starts a proxy to `upstream` (`host:port`) on a free local port.
pub fn start(upstream: String) -> std::io::Result<Proxy> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let log = Log::default();
    let l = log.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let up = upstream.clone();
            let log = l.clone();
            std::thread::spawn(move || {
                let _ = serve(client, &up, &log);
            });
        }
    });
    Ok(Proxy { port, log })
}

fn read_exact_vec(s: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn cstr(b: &[u8]) -> (&[u8], &[u8]) {
    match b.iter().position(|&c| c == 0) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &[]),
    }
}

fn serve(mut client: TcpStream, upstream: &str, log: &Log) -> std::io::Result<()> {
    // Startup: answer encryption requests with 'N' until the real startup message.
    let startup = loop {
        let len = u32::from_be_bytes(read_exact_vec(&mut client, 4)?.try_into().unwrap_or([0; 4]));
        let body = read_exact_vec(&mut client, (len as usize).saturating_sub(4))?;
        let code = body
            .get(..4)
            .map(|c| u32::from_be_bytes(c.try_into().unwrap_or([0; 4])));
        if len == 8 && matches!(code, Some(80_877_103) | Some(80_877_104)) {
            client.write_all(b"N")?;
            continue;
        }
        let mut msg = len.to_be_bytes().to_vec();
        msg.extend_from_slice(&body);
        break msg;
    };
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&startup)?;
    let mut server_read = server.try_clone()?;
    let mut client_write = client.try_clone()?;
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(Shutdown::Both);
    });
    let mut prepared: HashMap<Vec<u8>, String> = HashMap::new();
    let mut portals: HashMap<Vec<u8>, String> = HashMap::new();
    loop {
        let mut tag = [0u8; 1];
        if client.read_exact(&mut tag).is_err() {
            break;
        }
        let len_bytes = read_exact_vec(&mut client, 4)?;
        let len = u32::from_be_bytes(len_bytes.clone().try_into().unwrap_or([0; 4]));
        let body = read_exact_vec(&mut client, (len as usize).saturating_sub(4))?;
        match tag[0] {
            b'Q' => {
                let (sql, _) = cstr(&body);
                if let Ok(mut v) = log.0.lock() {
                    v.push(String::from_utf8_lossy(sql).into_owned());
                }
            }
            b'P' => {
                let (name, rest) = cstr(&body);
                let (sql, _) = cstr(rest);
                prepared.insert(name.to_vec(), String::from_utf8_lossy(sql).into_owned());
            }
            b'B' => {
                let (portal, rest) = cstr(&body);
                let (stmt, _) = cstr(rest);
                let sql = prepared.get(stmt).cloned().unwrap_or_default();
                portals.insert(portal.to_vec(), sql);
            }
            b'E' => {
                let (portal, _) = cstr(&body);
                let sql = portals.get(portal).cloned().unwrap_or_default();
                if let Ok(mut v) = log.0.lock() {
                    v.push(sql);
                }
            }
            _ => {}
        }
        server.write_all(&tag)?;
        server.write_all(&len_bytes)?;
        server.write_all(&body)?;
        if tag[0] == b'X' {
            break;
        }
    }
    let _ = server.shutdown(Shutdown::Write);
    let _ = back.join();
    Ok(())
}

/// Whether a statement reads the catalog (`pg_catalog`, `information_schema`).
pub fn is_catalog_query(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    s.contains("pg_catalog") || s.contains("information_schema") || s.contains("pg_class")
}
